/**
 * Where a project's files live and its commands run. The browser (WebContainer) and the cloud
 * sandbox implement the same interface, so the action runner and the UI never care which it is.
 */
export interface CommandOptions {
  /** Output as it arrives (stdout and stderr interleaved, as a terminal shows them). */
  onOutput: (chunk: string) => void;
  signal?: AbortSignal;
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

export interface Runtime {
  readonly kind: 'browser' | 'cloud';
  /** Resolves once commands can run; rejects with RuntimeUnavailableError if they never will. */
  ready(): Promise<void>;
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
