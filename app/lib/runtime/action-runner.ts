import { map, type MapStore } from 'nanostores';
import type { ActionType, ParserEvent } from '../artifact/artifact-parser';
import type { Runtime, TerminalSink } from './runtime';
import { errorMessage } from '../error-message';
import { parsePackageJson } from '../package-json';
import { INSTALL_COMMAND } from './install-commands';
import type { ActionStatus } from './records';
import { exitProblem, STOPPED_ON_PURPOSE, type ProblemReport } from '../problems/problem';

export type { ActionStatus };

export interface ReplayPlan {
  installs: string[];
  start?: string;
  startQueued: boolean;
}

export interface ActionRecord {
  /** `${messageId}:${parser action id}`: stable across reloads of the same message. */
  key: string;
  artifactId: string;
  type: ActionType | 'unknown';
  filePath?: string;
  command?: string;
  status: ActionStatus;
  startedAt?: number;
  endedAt?: number;
}

export interface ArtifactRecord {
  key: string;
  messageId: string;
  id: string;
  title: string;
  actionKeys: string[];
  closed: boolean;
}

/** Where the model's files go (the files store): the runner never writes to a runtime itself. */
export interface FileSink {
  /** A file starts streaming: its content is reset, and the runtime does not get it until it is released. */
  open(path: string): void;
  append(path: string, text: string): void;
  /** The file's turn in the queue has come (or the answer ended): the runtime may have it, with this final content if given. */
  release(path: string, content?: string): void;
}

export interface RunnerDeps {
  files: FileSink;
  terminal: TerminalSink;
  /** Waits until commands can run on a runtime that has the project's files; rejects with a reason a user understands when they cannot. */
  awaitRuntime: () => Promise<Runtime>;
  /** A shell command failed: its output (the tail), for deciding whether the browser runtime can do it at all. */
  onCommandFailed?: (output: string) => void;
  /** A shell command finished (it may have created or changed files). */
  afterCommand?: () => void;
  /** A command failed, or the app's server stopped with an error. */
  onProblem?: (problem: ProblemReport) => void;
  /** Files the user locked: a file action for one is refused (the card says so) and reported here. */
  isLocked?: (path: string) => boolean;
  onLockedWrite?: (path: string) => void;
}

/**
 * Turns parser events into work, in order: one queue for the whole chat, so a command never runs
 * before the files and commands written above it. Files reach the files store as they stream
 * (the editor fills in live) and are released to the runtime in queue order (ProjectSync copies
 * them); a `start` action launches in the background and the queue moves on.
 */
export class ActionRunner {
  readonly actions: MapStore<Record<string, ActionRecord>> = map({});
  readonly artifacts: MapStore<Record<string, ArtifactRecord>> = map({});
  #deps: RunnerDeps;
  #queue: Promise<void> = Promise.resolve();
  #controller = new AbortController();
  #openArtifact = new Map<string, string>();
  /** The start action whose server runs now, and the ones whose servers a later start replaced. */
  #serverKey?: string;
  #replaced = new Set<string>();

  constructor(deps: RunnerDeps) {
    this.#deps = deps;
  }

  /** Feeds one parser event of message `messageId`. In replay mode nothing runs: states come from `saved`. */
  handle(messageId: string, event: ParserEvent, replay?: { saved: Record<string, ActionStatus> }) {
    switch (event.type) {
      case 'artifact-open': {
        const key = `${messageId}:${event.artifact.id}:${Object.keys(this.artifacts.get()).length}`;
        this.#openArtifact.set(messageId, key);
        this.artifacts.setKey(key, { key, messageId, id: event.artifact.id, title: event.artifact.title, actionKeys: [], closed: false });
        return;
      }
      case 'artifact-close': {
        const key = this.#openArtifact.get(messageId);
        const artifact = key ? this.artifacts.get()[key] : undefined;
        if (artifact) this.artifacts.setKey(artifact.key, { ...artifact, closed: true });
        return;
      }
      case 'action-open': {
        const key = actionKey(messageId, event.actionId);
        const artifactKey = this.#openArtifact.get(messageId);
        const artifact = artifactKey ? this.artifacts.get()[artifactKey] : undefined;
        if (artifact) this.artifacts.setKey(artifact.key, { ...artifact, actionKeys: [...artifact.actionKeys, key] });
        const locked = !replay && !event.error && event.actionType === 'file' && !!event.filePath && this.#deps.isLocked?.(event.filePath);
        const status: ActionStatus = replay
          ? (replay.saved[key] ?? { state: 'complete' })
          : event.error
            ? { state: 'failed', error: event.error }
            : locked
              ? { state: 'failed', error: `${event.filePath} is locked: the model's version was not written (unlock the file to let the model change it).` }
              : event.actionType === 'file'
                ? { state: 'running' }
                : { state: 'pending' };
        this.#set({ key, artifactId: event.artifactId, type: event.actionType, filePath: event.filePath, status, startedAt: Date.now() });
        if (locked) this.#deps.onLockedWrite?.(event.filePath!);
        else if (!replay && !event.error && event.actionType === 'file' && event.filePath) this.#deps.files.open(event.filePath);
        return;
      }
      case 'file-delta': {
        if (replay) return;
        const record = this.actions.get()[actionKey(messageId, event.actionId)];
        if (record?.filePath && record.status.state === 'running') this.#deps.files.append(record.filePath, event.text);
        return;
      }
      case 'action-close': {
        const key = actionKey(messageId, event.actionId);
        const record = this.actions.get()[key];
        if (!record) return;
        const command = event.action && event.action.type !== 'file' ? event.action.command : undefined;
        if (command) this.#set({ ...record, command });
        if (replay || record.status.state === 'failed') return;
        if (event.error || !event.complete) {
          const what = record.type === 'file' ? 'this file is incomplete (what arrived is kept)' : 'the command was incomplete, so it was not run';
          this.#finish(key, { state: 'failed', error: event.error ?? `The answer ended before </boltAction>: ${what}.` });
          // What arrived is part of the project: the runtime gets it too, in queue order.
          const path = record.type === 'file' ? record.filePath : undefined;
          if (path) this.#queue = this.#queue.then(() => this.#deps.files.release(path));
          return;
        }
        const action = event.action!;
        if (action.type === 'file') this.#enqueue(key, async () => this.#releaseFile(action.filePath, action.content), () => this.#deps.files.release(action.filePath));
        else if (action.type === 'shell') this.#enqueue(key, (signal) => this.#runShell(action.command, signal));
        else this.#enqueue(key, () => this.#runStart(key, action.command));
        return;
      }
      case 'text':
        return;
    }
  }

  /** Stop: the running command is killed and queued actions are marked aborted. */
  abort() {
    this.#controller.abort();
    this.#controller = new AbortController();
    for (const record of Object.values(this.actions.get())) {
      if (record.status.state === 'pending') this.#finish(record.key, { state: 'aborted' });
    }
  }

  /** Waits until everything queued so far has run (tests, and persistence after a message). */
  idle(): Promise<void> {
    return this.#queue;
  }

  /**
   * What a new runtime needs replayed to bring the project up: the installs seen so far (or a
   * plain `npm install` when there is a package.json), and the last start command (or the
   * package's dev/start script). `startQueued`: a start still to run will start the app itself.
   */
  replayPlan(packageJson: string | undefined): ReplayPlan {
    const actions = Object.values(this.actions.get());
    const installs = [...new Set(actions.filter((a) => a.type === 'shell' && a.command && INSTALL_COMMAND.test(a.command)).map((a) => a.command!))];
    const startQueued = actions.some((a) => a.type === 'start' && a.status.state === 'pending');
    let start = actions.filter((a) => a.type === 'start' && a.command).at(-1)?.command;
    const pkg = parsePackageJson(packageJson);
    if (installs.length === 0 && pkg) installs.push('npm install');
    if (!start && pkg?.scripts?.dev) start = 'npm run dev';
    else if (!start && pkg?.scripts?.start) start = 'npm start';
    return { installs, start, startQueued };
  }

  /** The app's server is about to be stopped on purpose (a restore puts back its data): its exit is not a failure. */
  expectServerStop() {
    if (this.#serverKey) this.#replaced.add(this.#serverKey);
  }

  statuses(): Record<string, ActionStatus> {
    return Object.fromEntries(Object.values(this.actions.get()).map((a) => [a.key, a.status]));
  }

  /** `skipped`: what must happen even when the work is aborted before its turn. */
  #enqueue(key: string, work: (signal: AbortSignal) => Promise<ActionStatus>, skipped?: () => void) {
    const signal = this.#controller.signal;
    this.#queue = this.#queue.then(async () => {
      if (signal.aborted || this.actions.get()[key]?.status.state === 'aborted') {
        skipped?.();
        return this.#finish(key, { state: 'aborted' });
      }
      this.#set({ ...this.actions.get()[key], status: { state: 'running' }, startedAt: Date.now() });
      let status: ActionStatus;
      try {
        status = await work(signal);
      } catch (error) {
        status = { state: 'failed', error: errorMessage(error) };
        this.#deps.terminal.error(status.error);
      }
      this.#finish(key, signal.aborted && status.state !== 'complete' ? { state: 'aborted' } : status);
    });
  }

  #releaseFile(path: string, content: string): ActionStatus {
    this.#deps.files.release(path, content);
    return { state: 'complete' };
  }

  async #runShell(command: string, signal: AbortSignal): Promise<ActionStatus> {
    const runtime = await this.#deps.awaitRuntime();
    this.#deps.terminal.command(command);
    let tail = '';
    const onOutput = (chunk: string) => {
      tail = (tail + chunk).slice(-OUTPUT_TAIL);
      this.#deps.terminal.output(chunk);
    };
    const { exitCode } = await runtime.exec(command, { onOutput, signal });
    this.#deps.afterCommand?.();
    if (signal.aborted) return { state: 'aborted' };
    if (exitCode !== 0) {
      const error = `\`${command}\` exited with code ${exitCode}`;
      this.#deps.terminal.error(`exit code ${exitCode}`);
      this.#deps.onCommandFailed?.(tail);
      this.#deps.onProblem?.(exitProblem('command', command, exitCode, tail));
      return { state: 'failed', error };
    }
    return { state: 'complete' };
  }

  async #runStart(key: string, command: string): Promise<ActionStatus> {
    const runtime = await this.#deps.awaitRuntime();
    // The runtime stops the server this one replaces: its exit is not a failure of its action.
    if (this.#serverKey) this.#replaced.add(this.#serverKey);
    this.#serverKey = key;
    this.#deps.terminal.command(command, 'running in the background');
    let tail = '';
    const server = await runtime.start(command, {
      onOutput: (chunk) => {
        tail = (tail + chunk).slice(-OUTPUT_TAIL);
        this.#deps.terminal.output(chunk);
      },
    });
    void server.exit.catch(() => 137).then((code) => {
      if (code !== 0 && !this.#replaced.has(key)) {
        const error = `\`${command}\` exited with code ${code}`;
        this.#deps.terminal.error(`${command} exited with code ${code}`);
        this.#finish(key, { state: 'failed', error });
        if (!STOPPED_ON_PURPOSE.has(code)) this.#deps.onProblem?.(exitProblem('start', command, code, tail));
      }
    });
    return { state: 'complete' };
  }

  #finish(key: string, status: ActionStatus) {
    const record = this.actions.get()[key];
    if (record) this.#set({ ...record, status, endedAt: Date.now() });
  }

  #set(record: ActionRecord) {
    this.actions.setKey(record.key, record);
  }
}

/** How much of a failed command's output is kept for recognising why it failed. */
const OUTPUT_TAIL = 64 * 1024;

export function actionKey(messageId: string, actionId: number) {
  return `${messageId}:${actionId}`;
}
