import { atom } from 'nanostores';
import { browserFailureReason } from '../routing/browser-failures';
import type { PackageVerdict } from '../routing/package-facts';
import { classify, dependenciesToLookUp, type RouteDecision, type RouteInput, type RuntimeTarget } from '../routing/router';
import { SandboxGoneError, type CloudRuntimeOptions } from './cloud-runtime';
import { parsePackageJson } from '../package-json';
import type { ReplayPlan } from './action-runner';
import type { RuntimeRecord } from './records';
import type { ProjectSync } from './project-sync';
import { exitProblem, STOPPED_ON_PURPOSE, type ProblemReport } from '../problems/problem';
import type { PreviewInfo, Runtime, TerminalSink } from './runtime';
import { errorMessage } from '../error-message';

export type { RuntimeRecord };

export type RuntimeState =
  | { state: 'idle' }
  | { state: 'booting'; kind: Runtime['kind']; since: number }
  | { state: 'ready'; kind: Runtime['kind'] }
  | { state: 'unavailable'; kind: Runtime['kind']; message: string; gone?: boolean };

export type Routing = RouteDecision & { source: 'router' | 'user' | 'fallback'; note?: string };

export interface RuntimeControllerDeps {
  project: string;
  /** Copies the project into each runtime once it is ready, and keeps it there. */
  sync: ProjectSync;
  terminal: TerminalSink;
  /** Installs and the start command seen so far, to replay in a new runtime. */
  commands: () => ReplayPlan;
  createBrowser: () => Runtime;
  createCloud: (options: CloudRuntimeOptions) => Runtime;
  save: (record: RuntimeRecord) => void;
  /** A replayed install failed, or the replayed app's server stopped with an error. */
  onProblem?: (problem: ProblemReport) => void;
  /** What the registry says of dependencies (null: no answer in time). Absent: the lists alone decide. */
  /** What the registry says of `name@range` specs, by package name. */
  lookupPackages?: (specs: string[]) => Promise<Record<string, PackageVerdict | null>>;
}

/**
 * Chooses the runtime (router, user choice, automatic fallback), creates it as soon as the
 * project has a file (speculative creation, while the model streams), attaches it to ProjectSync
 * once ready, and switches when the decision changes: at once while the model streams, with
 * install and start replayed when the user escalates or a fallback happens.
 */
export class RuntimeController {
  readonly state = atom<RuntimeState>({ state: 'idle' });
  readonly routing = atom<Routing>({ target: 'browser', reasons: ['a light app runs in the browser'], hard: false, source: 'router' });
  readonly previews = atom<PreviewInfo[]>([]);
  /** Counts the times a server announced its preview: a restarted server (a follow-up's new code) reloads the preview even at the same URL. */
  readonly previewServed = atom(0);
  /** The runtime in use (its capabilities say what the workbench can show: launch steps, sharing). */
  readonly current = atom<Runtime | null>(null);
  #deps: RuntimeControllerDeps;
  #record: RuntimeRecord;
  #input: RouteInput = {};
  #runtime: Runtime | null = null;
  #ready: Promise<Runtime> | null = null;
  #unsubscribe: Array<() => void> = [];
  #speculativeInstall?: Promise<unknown>;
  /** Install and start being replayed into a new runtime: the runner's commands wait for it. */
  #replaying?: Promise<void>;
  /** The server a replay started, and whether it is being stopped on purpose (its exit is then no problem). */
  #replayed?: { stopping: boolean };
  /** Dependencies already asked about; their verdicts join the route input as they arrive. */
  #lookedUp = new Set<string>();
  /** The chat closed: late answers (a failed boot, a registry fact) start nothing for it. */
  #disposed = false;

  constructor(deps: RuntimeControllerDeps, record: RuntimeRecord = {}) {
    this.#deps = deps;
    this.#record = { ...record };
    this.#route();
    deps.sync.onSynced((paths) => {
      if (paths.includes('package.json')) this.#maybeInstallEarly();
    });
  }

  get record(): RuntimeRecord {
    return { ...this.#record };
  }

  /** New signals from the answer: decide again, and follow a new decision at once. */
  update(input: RouteInput) {
    this.#input = { ...this.#input, ...input };
    this.#lookUpDependencies();
    const target = this.#route();
    if (this.#runtime && this.#runtime.kind !== target) this.#switch(target, false);
    else if (!this.#runtime && Object.keys(this.#input.files ?? {}).length > 0) this.ensure();
  }

  /**
   * Asks the registry about new dependencies without waiting: the lists decide meanwhile, and
   * the decision may move to the cloud when a fact arrives.
   */
  #lookUpDependencies() {
    const lookup = this.#deps.lookupPackages;
    // name@range: a follow-up that changes a range asks again.
    const specs = dependenciesToLookUp(this.#input.files?.['package.json']).filter((spec) => !this.#lookedUp.has(spec));
    if (!lookup || specs.length === 0) return;
    for (const spec of specs) this.#lookedUp.add(spec);
    lookup(specs).then(
      (found) => {
        const known = Object.fromEntries(Object.entries(found).filter((entry): entry is [string, PackageVerdict] => entry[1] !== null));
        if (Object.keys(known).length === 0) return;
        this.#input = { ...this.#input, packages: { ...this.#input.packages, ...known } };
        const target = this.#route();
        // A fact may arrive after the answer has finished: the new runtime gets the installs and
        // the start command replayed (as a fallback does); commands still to come wait for that.
        if (this.#runtime && this.#runtime.kind !== target) this.#switch(target, true);
      },
      () => {}, // no facts: the lists have decided
    );
  }

  #route(): RuntimeTarget {
    const decision = classify({ ...this.#input, userChoice: this.#record.choice });
    if (this.#record.choice) {
      this.routing.set({ ...decision, source: 'user' });
    } else if (this.#record.fallbackUsed) {
      const reason = this.#record.fallbackReason ?? 'the in-browser runtime could not run it';
      this.routing.set({ ...decision, target: 'cloud', reasons: [reason], source: 'fallback', note: `Moved to a cloud sandbox because ${reason}.` });
    } else {
      this.routing.set({ ...decision, source: 'router' });
    }
    return this.routing.get().target;
  }

  /** The runtime for the current decision, created (and started) on first use. */
  ensure(): Runtime {
    return this.#runtime ?? this.#create(this.routing.get().target);
  }

  /**
   * Waits for a runtime that can run commands and has the project's files as the store has them
   * now, falling back to the cloud once if the browser cannot start.
   */
  async awaitRuntime(): Promise<Runtime> {
    for (let attempt = 0; attempt < 3; attempt++) {
      const runtime = this.ensure();
      let ready: Runtime;
      try {
        ready = await this.#ready!;
        await this.#replaying;
      } catch (error) {
        if (runtime !== this.#runtime) continue;
        const reason = errorMessage(error);
        if (runtime.kind === 'browser' && this.#fallback(`the in-browser runtime could not start (${reason})`, false)) continue;
        throw new Error(this.#unavailableMessage(runtime.kind, reason, error instanceof SandboxGoneError));
      }
      if (ready !== this.#runtime) continue;
      await this.#deps.sync.flush();
      return ready;
    }
    throw new Error('The runtime kept changing while a command waited for it. Try again.');
  }

  /** A command failed in the browser: if its output shows the browser cannot do it, move to the cloud (once). */
  commandFailed(output: string) {
    if (this.#runtime?.kind !== 'browser') return;
    const reason = browserFailureReason(output);
    if (reason) this.#fallback(reason, true);
  }

  /** The user's explicit choice ("Run in cloud sandbox" / "Run in browser"). */
  choose(target: RuntimeTarget) {
    this.#record = { ...this.#record, choice: target };
    this.#deps.save(this.record);
    this.#route();
    this.#switch(target, true);
  }

  /** After a failed step: the runtime again, with install and start replayed. */
  retry() {
    this.#switch(this.routing.get().target, true);
  }

  /** After the chat's sandbox is gone: a new one, from the saved files. */
  recreate() {
    this.#record = { ...this.#record, sandboxId: undefined };
    this.#deps.save(this.record);
    this.#switch('cloud', true);
  }

  /**
   * Brings a restored chat's project up again: a cloud chat reattaches to its sandbox (starting
   * the app if it no longer runs; a gone sandbox is offered for recreation); a browser chat is
   * installed and started in a fresh WebContainer, or falls back to the cloud if that cannot boot.
   */
  async bringUp() {
    this.#bringingUp = true;
    const runtime = this.ensure();
    try {
      await this.#ready;
    } catch (error) {
      // Usually the fallback has already happened (with the replay) as the boot failed.
      if (runtime === this.#runtime && runtime.kind === 'browser') this.#fallback(`the in-browser runtime could not start (${errorMessage(error)})`, true);
      return;
    } finally {
      this.#bringingUp = false;
    }
    try {
      // Reattached to its own place (a sandbox): the app may still run, and what was installed is there.
      const reattached = Boolean(this.#record.sandboxId && runtime.capabilities.reattach);
      if (reattached && (await runtime.capabilities.reattach!())) return;
      await this.#replay(runtime, !reattached);
    } catch (error) {
      this.#deps.terminal.error(errorMessage(error));
    }
  }

  /** The app's server is about to be stopped on purpose (a restore): its exit is not reported as a problem. */
  expectServerStop() {
    if (this.#replayed) this.#replayed.stopping = true;
  }

  /** After a restore: the app started again on the runtime in use, with the installs replayed when `install` (package.json changed). */
  async restartApp(install: boolean) {
    const runtime = await this.awaitRuntime();
    await this.#replay(runtime, install);
  }

  /** bringUp is waiting for the runtime: a fallback then replays install and start. */
  #bringingUp = false;

  #fallback(reason: string, replay: boolean): boolean {
    if (this.#disposed || this.#record.fallbackUsed || this.#record.choice === 'browser') return false;
    this.#record = { ...this.#record, fallbackUsed: true, fallbackReason: reason };
    this.#deps.save(this.record);
    this.#route();
    this.#deps.terminal.notice(this.routing.get().note ?? '');
    this.#switch('cloud', replay);
    return true;
  }

  #switch(target: RuntimeTarget, replay: boolean) {
    const old = this.#runtime;
    if (this.#disposed || (old?.kind === target && !replay)) return;
    for (const unsubscribe of this.#unsubscribe.splice(0)) unsubscribe();
    this.#deps.sync.detach();
    void old?.dispose();
    this.#runtime = null;
    this.#ready = null;
    this.#speculativeInstall = undefined;
    this.previews.set([]);
    const runtime = this.#create(target);
    if (replay) {
      this.#replaying = this.#replay(runtime, true).catch(() => {});
    }
  }

  #create(target: RuntimeTarget): Runtime {
    const runtime: Runtime =
      target === 'cloud'
        ? this.#deps.createCloud({
            project: this.#deps.project,
            sandboxId: this.#record.sandboxId,
            onSandbox: (sandbox) => {
              // A runtime replaced while it was still creating its sandbox does not claim the chat.
              if (this.#runtime !== runtime) return;
              this.#record = { ...this.#record, sandboxId: sandbox.id };
              this.#deps.save(this.record);
            },
            onNotice: (text) => this.#deps.terminal.notice(text),
          })
        : this.#deps.createBrowser();
    this.#runtime = runtime;
    this.current.set(runtime);
    this.state.set({ state: 'booting', kind: runtime.kind, since: Date.now() });
    this.#unsubscribe.push(
      runtime.onPreview((preview) => {
        this.previews.set([...this.previews.get().filter((p) => p.port !== preview.port), preview]);
        this.previewServed.set(this.previewServed.get() + 1);
      }),
    );
    const ready = runtime
      .ready()
      .then(async () => {
        if (this.#runtime !== runtime || this.#disposed) return runtime;
        await this.#deps.sync.attach(runtime);
        if (this.#runtime === runtime) this.state.set({ state: 'ready', kind: runtime.kind });
        return runtime;
      })
      .catch((error: unknown) => {
        const reason = errorMessage(error);
        const gone = error instanceof SandboxGoneError;
        if (this.#runtime === runtime) this.state.set({ state: 'unavailable', kind: runtime.kind, message: this.#unavailableMessage(runtime.kind, reason, gone), gone });
        // The browser cannot start: move to the cloud now, not when the answer's first command
        // asks for a runtime, so the sandbox exists (and installs early) while the answer streams.
        // A chat being brought up gets its install and start replayed there.
        if (this.#runtime === runtime && runtime.kind === 'browser') this.#fallback(`the in-browser runtime could not start (${reason})`, this.#bringingUp);
        throw error;
      });
    ready.catch(() => {});
    this.#ready = ready;
    return runtime;
  }

  /** Installs as soon as a complete package.json has reached a runtime that can, while the model still writes the other files. */
  #maybeInstallEarly() {
    const runtime = this.#runtime;
    const installEarly = runtime?.capabilities.installEarly;
    if (this.#speculativeInstall || !installEarly || this.#deps.sync.runtime !== runtime) return;
    if (!parsePackageJson(this.#deps.sync.inRuntime('package.json'))) return;
    this.#deps.terminal.command('npm install', 'started early, while the answer streams');
    this.#speculativeInstall = installEarly((chunk) => this.#deps.terminal.output(chunk));
    this.#speculativeInstall.catch(() => {});
  }

  async #replay(runtime: Runtime, install: boolean) {
    await this.#ready;
    const { installs, start, startQueued } = this.#deps.commands();
    if (install) {
      for (const command of installs) {
        if (runtime !== this.#runtime) return;
        this.#deps.terminal.command(command);
        const output = this.#tail();
        const { exitCode } = await runtime.exec(command, { onOutput: output.add });
        if (exitCode !== 0) {
          this.#deps.terminal.error(`${command} exited with code ${exitCode}`);
          if (runtime === this.#runtime) this.#deps.onProblem?.(exitProblem('command', command, exitCode, output.text));
          return;
        }
      }
    }
    if (start && !startQueued && runtime === this.#runtime) {
      this.#deps.terminal.command(start, 'running in the background');
      const output = this.#tail();
      const server = await runtime.start(start, { onOutput: output.add });
      const replayed = { stopping: false };
      this.#replayed = replayed;
      void server.exit.catch(() => 137).then((code) => {
        if (code === 0 || STOPPED_ON_PURPOSE.has(code) || runtime !== this.#runtime || replayed.stopping) return;
        this.#deps.terminal.error(`${start} exited with code ${code}`);
        this.#deps.onProblem?.(exitProblem('start', start, code, output.text));
      });
    }
  }

  /** Output to the terminal, with its end kept for a problem report. */
  #tail() {
    const tail = {
      text: '',
      add: (chunk: string) => {
        tail.text = (tail.text + chunk).slice(-OUTPUT_KEPT);
        this.#deps.terminal.output(chunk);
      },
    };
    return tail;
  }

  #unavailableMessage(kind: Runtime['kind'], reason: string, gone: boolean) {
    if (gone) return `This chat's cloud sandbox no longer exists (it expired or was deleted). Your files are kept: recreate it to run the project again.`;
    // The reason is a sentence of its own, often with its full stop: one is enough.
    const because = reason.replace(/\.+$/, '');
    return kind === 'browser' ? `The in-browser runtime could not start: ${because}.` : `The cloud sandbox could not start: ${because}.`;
  }

  dispose() {
    this.#disposed = true;
    for (const unsubscribe of this.#unsubscribe.splice(0)) unsubscribe();
    this.#deps.sync.detach();
    void this.#runtime?.dispose();
  }
}

/** How much of a replayed command's output is kept for its problem report. */
const OUTPUT_KEPT = 64 * 1024;
