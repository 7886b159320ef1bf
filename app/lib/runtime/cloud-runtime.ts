import { atom, computed, map } from 'nanostores';
import { RuntimeUnavailableError, type CommandOptions, type PreviewInfo, type Runtime, type RuntimeCapabilities, type RunningProcess, type StepState } from './runtime';
import { INSTALL_COMMAND, PLAIN_NPM_INSTALL } from './install-commands';
import { SandboxApiError, sandboxApi, type SandboxClient } from '../sandbox/sandbox-client';
import { LAUNCH_STEPS, type LaunchStepName, type SandboxView } from '../sandbox/sandbox-api';
import { errorMessage } from '../error-message';

const STEP_LABELS: Record<LaunchStepName, string> = {
  creating: 'Creating the sandbox',
  'writing files': 'Writing files',
  installing: 'Installing dependencies',
  starting: 'Starting the app',
  ready: 'Waiting for the app to listen',
};

/** The sandbox this chat used is gone (expired, deleted): it can be recreated from the saved files. */
export class SandboxGoneError extends RuntimeUnavailableError {
  override name = 'SandboxGoneError';
}

export interface CloudRuntimeOptions {
  project: string;
  /** Reattach to this sandbox instead of creating one. */
  sandboxId?: string;
  onSandbox?: (sandbox: SandboxView) => void;
  /** The API client (the browser's same-origin one by default). */
  client?: SandboxClient;
  /** Writes within this window go out as one request. */
  debounceMs?: number;
  portWaitMs?: number;
  /** A line for the chat's terminal (a stopped sandbox started again, and why it was stopped). */
  onNotice?: (text: string) => void;
}


/**
 * The Runtime interface over /api/sandboxes, and the one orchestration of a cloud launch:
 * create → write files → install → start → wait for the port, each a step with its time. File
 * writes are batched and debounced (one request per flush, only files whose content changed);
 * command output streams from the server; the preview is the sandbox's URL on this app's own
 * origin (the preview proxy).
 */
export class CloudRuntime implements Runtime {
  readonly kind = 'cloud' as const;
  readonly steps = map<Record<LaunchStepName, StepState>>(Object.fromEntries(LAUNCH_STEPS.map((s) => [s, { state: 'pending' }])) as Record<LaunchStepName, StepState>);
  readonly sandbox = atom<SandboxView | null>(null);
  /** Why the sandbox had stopped, while this runtime starts it again (the stepper says "Restarting"). */
  readonly restarting = atom<string | null>(null);
  readonly capabilities: RuntimeCapabilities = {
    progress: computed([this.steps, this.restarting], (steps, restarting) =>
      LAUNCH_STEPS.map((name) => ({ name, label: name === 'creating' && restarting ? 'Restarting the sandbox' : STEP_LABELS[name], status: steps[name] })),
    ),
    installEarly: (onOutput) => this.installEarly(onOutput),
    readBack: true,
    reattach: () => this.announceRunningPreview(),
    restarted: this.restarting,
    share: this.sandbox,
    state: {
      capture: async (keep) => {
        await this.ready();
        await this.flush();
        return this.#api.captureState(await this.#id(), keep);
      },
      restore: async (archive, keep) => {
        await this.ready();
        await this.flush();
        await this.#api.restoreState(await this.#id(), archive, keep);
      },
    },
    readOutput: async (dirs) => {
      await this.ready();
      await this.flush();
      return this.#api.readOutput(await this.#id(), dirs);
    },
  };
  #options: CloudRuntimeOptions;
  #api: SandboxClient;
  #ready?: Promise<SandboxView>;
  #pending = new Map<string, string>();
  #removals = new Set<string>();
  #sent = new Map<string, string>();
  #timer?: ReturnType<typeof setTimeout>;
  #flushWaiters: Array<{ resolve: () => void; reject: (e: unknown) => void }> = [];
  #flushing: Promise<void> = Promise.resolve();
  #listeners = new Set<(preview: PreviewInfo) => void>();
  #controllers = new Set<AbortController>();
  #disposed = false;
  #early?: { packageJson: string | undefined; result: Promise<{ exitCode: number }> };

  constructor(options: CloudRuntimeOptions) {
    this.#options = options;
    this.#api = options.client ?? sandboxApi;
  }

  ready(): Promise<void> {
    this.#ready ??= this.#connect();
    return this.#ready.then(() => undefined);
  }

  async #connect(): Promise<SandboxView> {
    const started = Date.now();
    this.#step('creating', { state: 'running', since: started });
    try {
      let sandbox: SandboxView;
      if (this.#options.sandboxId) {
        try {
          ({ sandbox } = await this.#api.status(this.#options.sandboxId));
        } catch (error) {
          if (error instanceof SandboxApiError && error.status === 404) throw new SandboxGoneError('its cloud sandbox no longer exists (it expired or was deleted)');
          throw error;
        }
        // Stopped while the chat was closed (idle, to make room, or by the provider): start it again.
        if (sandbox.state !== 'started' && sandbox.state !== 'starting') {
          this.restarting.set(sandbox.stoppedReason ?? 'it was stopped');
          this.#options.onNotice?.(`Starting this chat's sandbox again: ${sandbox.stoppedReason ?? 'it was stopped'}.`);
          sandbox = await this.#api.resume(sandbox.id);
        }
      } else {
        sandbox = await this.#api.create(this.#options.project);
      }
      this.#step('creating', { state: 'done', ms: Date.now() - started });
      this.sandbox.set(sandbox);
      this.#options.onSandbox?.(sandbox);
      return sandbox;
    } catch (error) {
      const message = errorMessage(error);
      this.#step('creating', { state: 'failed', error: message, ms: Date.now() - started });
      if (error instanceof RuntimeUnavailableError) throw error;
      throw new RuntimeUnavailableError(message);
    }
  }

  async #id() {
    return (await this.#ready!).id;
  }

  writeFiles(files: Record<string, string>): Promise<void> {
    let changed = false;
    for (const [path, content] of Object.entries(files)) {
      this.#removals.delete(path);
      if (this.#sent.get(path) === content && !this.#pending.has(path)) continue;
      this.#pending.set(path, content);
      changed = true;
    }
    if (!changed) return Promise.resolve();
    return this.#schedule();
  }

  removePaths(paths: string[]): Promise<void> {
    for (const path of paths) {
      this.#pending.delete(path);
      this.#sent.delete(path);
      this.#removals.add(path);
    }
    return this.#schedule();
  }

  #schedule(): Promise<void> {
    // A disposed runtime sends nothing more: the next runtime gets the whole project anyway.
    if (this.#disposed) return Promise.resolve();
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => void this.flush(), this.#options.debounceMs ?? 150);
    return new Promise((resolve, reject) => this.#flushWaiters.push({ resolve, reject }));
  }

  /** Sends what is pending now, in one request. */
  flush(): Promise<void> {
    clearTimeout(this.#timer);
    const waiters = this.#flushWaiters.splice(0);
    this.#flushing = this.#flushing.then(async () => {
      if (this.#pending.size === 0 && this.#removals.size === 0) return;
      const files = [...this.#pending].map(([path, content]) => ({ path, content }));
      const remove = [...this.#removals];
      this.#pending.clear();
      this.#removals.clear();
      const first = this.steps.get()['writing files'].state === 'pending';
      const started = Date.now();
      if (first) this.#step('writing files', { state: 'running', since: started });
      // Counted as sent from now on, so that an edit made while this request is in flight is
      // compared with what the sandbox will have, not with what it had.
      const before = new Map(files.map((f) => [f.path, this.#sent.get(f.path)]));
      for (const file of files) this.#sent.set(file.path, file.content);
      try {
        await this.#api.writeFiles(await this.#id(), { files, remove });
      } catch (error) {
        // Keep them for the next flush unless something newer replaced them.
        for (const file of files) {
          if (this.#sent.get(file.path) === file.content) {
            const previous = before.get(file.path);
            if (previous === undefined) this.#sent.delete(file.path);
            else this.#sent.set(file.path, previous);
          }
          if (!this.#pending.has(file.path)) this.#pending.set(file.path, file.content);
        }
        for (const path of remove) if (!this.#pending.has(path)) this.#removals.add(path);
        if (first) this.#step('writing files', { state: 'failed', error: errorMessage(error), ms: Date.now() - started });
        throw error;
      }
      if (first) this.#step('writing files', { state: 'done', ms: Date.now() - started });
    });
    const done = this.#flushing;
    this.#flushing = this.#flushing.catch(() => {});
    done.then(
      () => waiters.forEach((w) => w.resolve()),
      (error: unknown) => waiters.forEach((w) => w.reject(error)),
    );
    return done;
  }

  /**
   * Installs for the package.json the sandbox has, while the model still writes the other files.
   * A later plain `npm install` of the same package.json reuses this result instead of running again.
   */
  installEarly(onOutput: (chunk: string) => void): Promise<{ exitCode: number }> {
    const packageJson = this.#sent.get('package.json');
    const result = this.#run('npm install --no-audit --no-fund', { onOutput });
    this.#early = { packageJson, result };
    result.catch(() => {});
    return result;
  }

  async exec(command: string, options: CommandOptions): Promise<{ exitCode: number }> {
    await this.ready();
    const early = this.#early;
    if (early && PLAIN_NPM_INSTALL.test(command)) {
      const outcome = await early.result.catch(() => ({ exitCode: 1 }));
      await this.flush();
      if (outcome.exitCode === 0 && early.packageJson !== undefined && this.#sent.get('package.json') === early.packageJson) {
        options.onOutput('(dependencies were already installed while the answer streamed)\r\n');
        return outcome;
      }
    }
    return this.#run(command, options);
  }

  async #run(command: string, options: CommandOptions): Promise<{ exitCode: number }> {
    await this.ready();
    await this.flush();
    const install = INSTALL_COMMAND.test(command);
    const started = Date.now();
    if (install) this.#step('installing', { state: 'running', since: started });
    let exitCode = 1;
    const controller = this.#track(options.signal);
    try {
      ({ exitCode } = await this.#api.exec(await this.#id(), command, { onOutput: options.onOutput, signal: controller.signal }));
    } catch (error) {
      if (controller.signal.aborted) return { exitCode: 130 };
      if (install) this.#step('installing', { state: 'failed', error: errorMessage(error), ms: Date.now() - started });
      throw error;
    } finally {
      this.#controllers.delete(controller);
    }
    if (install) this.#step('installing', exitCode === 0 ? { state: 'done', ms: Date.now() - started } : { state: 'failed', error: `\`${command}\` exited with code ${exitCode}`, ms: Date.now() - started });
    return { exitCode };
  }

  async start(command: string, options: CommandOptions): Promise<RunningProcess> {
    await this.ready();
    await this.flush();
    const id = await this.#id();
    const started = Date.now();
    this.#step('starting', { state: 'running', since: started });
    let processId: string;
    try {
      processId = await this.#api.start(id, command);
    } catch (error) {
      this.#step('starting', { state: 'failed', error: errorMessage(error), ms: Date.now() - started });
      throw error;
    }
    this.#step('starting', { state: 'done', ms: Date.now() - started });
    const exit = this.#follow(id, processId, options.onOutput);
    void this.#waitForPreview(id, exit);
    return { exit, kill: () => void this.#api.kill(id, processId).catch(() => {}) };
  }

  /** The process's output (streamed) and, at the end, its exit code. */
  async #follow(id: string, processId: string, onOutput: (chunk: string) => void): Promise<number> {
    const controller = this.#track();
    let exitCode = 0;
    try {
      exitCode = (await this.#api.follow(id, processId, { onOutput, signal: controller.signal })) ?? 0;
    } catch {
      // The page is leaving, or the sandbox is gone: the process is no longer ours to watch.
    } finally {
      this.#controllers.delete(controller);
    }
    return exitCode;
  }

  async #waitForPreview(id: string, exit: Promise<number>) {
    const started = Date.now();
    this.#step('ready', { state: 'running', since: started });
    let exited = false;
    void exit.then(() => (exited = true));
    const deadline = started + (this.#options.portWaitMs ?? 120_000);
    while (!this.#disposed && !exited && Date.now() < deadline) {
      try {
        const { port, sandbox } = await this.#api.status(id, 5000);
        if (port !== null) {
          this.#step('ready', { state: 'done', ms: Date.now() - started });
          const url = this.#freshPreviewUrl(sandbox);
          for (const listener of this.#listeners) listener({ port, url });
          return;
        }
      } catch (error) {
        this.#step('ready', { state: 'failed', error: errorMessage(error), ms: Date.now() - started });
        return;
      }
    }
    if (!this.#disposed) this.#step('ready', { state: 'failed', error: exited ? 'The app stopped before it opened a port (see the terminal).' : 'The app did not open a port in time (see the terminal).', ms: Date.now() - started });
  }

  /** Whether the app already listens (after a reattach), and if so, announce its preview. */
  async announceRunningPreview(): Promise<boolean> {
    await this.ready();
    const { port, sandbox } = await this.#api.status(await this.#id());
    if (port === null) return false;
    this.#step('ready', { state: 'done', ms: 0 });
    const url = this.#freshPreviewUrl(sandbox);
    for (const listener of this.#listeners) listener({ port, url });
    return true;
  }

  /** Owner preview URLs change every 12 hours: the latest answer's is the one to show. */
  #freshPreviewUrl(latest: SandboxView): string {
    const current = this.sandbox.get()!;
    if (latest.id === current.id && latest.previewUrl !== current.previewUrl) this.sandbox.set({ ...current, previewUrl: latest.previewUrl });
    return this.sandbox.get()!.previewUrl;
  }

  onPreview(listener: (preview: PreviewInfo) => void) {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  async readTree(): Promise<Record<string, string>> {
    await this.ready();
    const entries = await this.#api.tree(await this.#id());
    const files: Record<string, string> = {};
    for (const entry of entries) {
      if (entry.content === undefined) continue;
      files[entry.path] = entry.content;
      // What the sandbox already has need not be sent back.
      if (!this.#pending.has(entry.path)) this.#sent.set(entry.path, entry.content);
    }
    return files;
  }

  async dispose() {
    this.#disposed = true;
    clearTimeout(this.#timer);
    for (const waiter of this.#flushWaiters.splice(0)) waiter.resolve();
    for (const controller of this.#controllers) controller.abort();
    this.#controllers.clear();
    this.#listeners.clear();
  }

  #track(signal?: AbortSignal) {
    const controller = new AbortController();
    signal?.addEventListener('abort', () => controller.abort(), { once: true });
    this.#controllers.add(controller);
    return controller;
  }

  #step(step: LaunchStepName, state: StepState) {
    this.steps.setKey(step, state);
  }
}
