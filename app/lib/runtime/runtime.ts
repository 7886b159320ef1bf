import type { ReadableAtom } from 'nanostores';
import type { ProblemReport } from '../problems/problem';

/**
 * Where a project's files live and its commands run. The browser (WebContainer) and the cloud
 * sandbox implement the same interface, so the action runner and the UI never care which it is:
 * what only some runtimes can do is declared in `capabilities`, never found out by class.
 */
export interface CommandOptions {
  /** Output as it arrives (stdout and stderr interleaved, as a terminal shows them). */
  onOutput: (chunk: string) => void;
  signal?: AbortSignal;
}

/**
 * The terminal as runtimes, the runner and the controller speak to it: programs' output as it
 * is, and the lines the app adds in its own words. How they look is the terminal view's business.
 */
export interface TerminalSink {
  output(chunk: string): void;
  /** A command about to run, with an optional note (why, or that it runs in the background). */
  command(command: string, note?: string): void;
  error(text: string): void;
  notice(text: string): void;
}

export interface RunningProcess {
  /** Resolves with the exit code when the process ends. */
  exit: Promise<number>;
  kill(): void;
}

export interface PreviewInfo {
  port: number;
  url: string;
}

export type StepState =
  | { state: 'pending' }
  | { state: 'running'; since: number }
  | { state: 'done'; ms: number }
  | { state: 'failed'; error: string; ms: number };

/** One step of a runtime's launch, in order, as the workbench shows it. */
export interface LaunchStep {
  name: string;
  label: string;
  status: StepState;
}

/** What a runtime is shared as: its place's id (for the share API) and its preview URL. */
export interface ShareTarget {
  id: string;
  previewUrl: string;
}

/** What only some runtimes can do. Absent: the runtime cannot, and callers do without. */
export interface RuntimeCapabilities {
  /** Its launch, step by step, each with its time (shown as a stepper until the app is up). */
  readonly progress?: ReadableAtom<readonly LaunchStep[]>;
  /** Installs dependencies for the package.json it has now, before the model asks; the model's own `npm install` of the same package.json then reuses it. */
  installEarly?(onOutput: (chunk: string) => void): Promise<{ exitCode: number }>;
  /** Commands create files the project should get back (lockfiles, scaffolds): read them with readTree after each. */
  readonly readBack?: boolean;
  /** Attached to an existing place whose app may still run: announces its preview if it does (true), so nothing is replayed. */
  reattach?(): Promise<boolean>;
  /** Why a stopped sandbox was started again for this chat (shown above the preview), or null. */
  readonly restarted?: ReadableAtom<string | null>;
  /** The running app can be shared with a link. */
  readonly share?: ReadableAtom<ShareTarget | null>;
  /**
   * The place's own state (what the app wrote: databases, uploads), for versions: everything in the
   * project outside the `keep` paths (the text files the browser versions itself) and dependencies
   * and build output, as an archive. `capture` rejects with the server's sentence when the state is
   * over its cap; `restore` stops the app's server and replaces that state (start the app again after).
   */
  readonly state?: {
    capture(keep: string[]): Promise<{ archive: Uint8Array; files: number }>;
    restore(archive: Uint8Array, keep: string[]): Promise<void>;
  };
  /** A build's output for publishing: the first of `dirs` that has an index.html, with its files' bytes as base64 (null: none has one). */
  readOutput?(dirs: OutputDir[]): Promise<BuildOutput | null>;
  /** Reports what goes wrong in the preview page itself (where the workbench cannot see it otherwise). */
  onProblem?(listener: (problem: ProblemReport) => void): () => void;
}

/** Where builds put their output (`.`: the project itself, a plain page). */
export type OutputDir = 'dist' | 'build' | 'out' | '.';

export interface BuildOutput {
  dir: string;
  /** Paths relative to `dir`; contents base64. */
  files: Array<{ path: string; content: string }>;
}

export interface Runtime {
  readonly kind: 'browser' | 'cloud';
  readonly capabilities: RuntimeCapabilities;
  /** Resolves once commands can run; rejects with RuntimeUnavailableError if they never will. */
  ready(): Promise<void>;
  /** Resolves once the files are there. Writes land in the order they are made (a later write of a path wins), even when several are on their way. */
  writeFiles(files: Record<string, string>): Promise<void>;
  removePaths(paths: string[]): Promise<void>;
  /** Runs a command to completion. Aborting the signal kills it. */
  exec(command: string, options: CommandOptions): Promise<{ exitCode: number }>;
  /** Starts a long-running command (a dev server) and returns without waiting for it to end. */
  start(command: string, options: CommandOptions): Promise<RunningProcess>;
  onPreview(listener: (preview: PreviewInfo) => void): () => void;
  /** The project's text files as the runtime sees them (commands may have created some). */
  readTree(): Promise<Record<string, string>>;
  dispose(): Promise<void>;
}

/** The runtime cannot start here at all (as opposed to one command failing). */
export class RuntimeUnavailableError extends Error {
  override name = 'RuntimeUnavailableError';
}
