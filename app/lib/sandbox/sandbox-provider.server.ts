import type { Agent } from 'node:http';
import type { TreeEntry } from './sandbox-api';

/**
 * What the server needs from a place that runs untrusted projects. Two implementations:
 * LocalProvider (child processes under bubblewrap, the default) and DaytonaProvider (the cloud).
 * Labels carry ownership and share links, so a restarted server (or a second instance) can find
 * everything again from the provider alone.
 */

export type ProviderName = 'local' | 'daytona';

export interface SandboxInfo {
  id: string;
  labels: Record<string, string>;
  state: 'started' | 'stopped' | 'starting' | 'error' | 'unknown';
  createdAt: number;
}

export interface FileToWrite {
  /** Project-relative, already validated. */
  path: string;
  content: string | Buffer;
}

export interface ExecOptions {
  onOutput?: (chunk: string) => void;
  timeoutMs?: number;
  signal?: AbortSignal;
}

export interface ExecResult {
  exitCode: number;
  /** True when the command was killed for running longer than its timeout. */
  timedOut?: boolean;
  /** True when output past the output cap was dropped. */
  truncated?: boolean;
}

export interface BackgroundProcess {
  id: string;
  command: string;
  /** Resolves with the exit code when the process ends (on stop too). */
  exit: Promise<number>;
}

/** A file as the sandbox has it (the API's tree entry). */
export type { TreeEntry };

/** Where the preview proxy sends a request for a sandbox's port, with the headers it must add. */
export interface PreviewTarget {
  url: string;
  headers: Record<string, string>;
  /** How to connect, when not over the host's network (a sandbox in its own network namespace). */
  agent?: Agent;
}

export interface SandboxProvider {
  readonly name: ProviderName;
  create(labels: Record<string, string>): Promise<SandboxInfo>;
  get(id: string): Promise<SandboxInfo | null>;
  /** Every sandbox whose labels include all of `labels`. */
  list(labels: Record<string, string>): Promise<SandboxInfo[]>;
  /** Replaces the given labels (others are kept); an empty value removes a label. */
  setLabels(id: string, labels: Record<string, string>): Promise<void>;
  writeFiles(id: string, files: FileToWrite[]): Promise<void>;
  removePaths(id: string, paths: string[]): Promise<void>;
  /**
   * One file's bytes (a project-relative path, already validated), read so that nothing the
   * sandbox does (a symbolic link swapped in) reaches a file outside it. Over `maxBytes`:
   * SandboxError 413, without reading the rest.
   */
  readFile(id: string, path: string, options?: { maxBytes?: number }): Promise<Buffer>;
  exec(id: string, command: string, options?: ExecOptions): Promise<ExecResult>;
  start(id: string, command: string, options?: ExecOptions): Promise<BackgroundProcess>;
  /** Ends a background process started by `start` (and everything it started). */
  kill(id: string, processId: string): Promise<void>;
  /** The port the sandbox's app listens on, waiting up to `timeoutMs` for one. */
  findPort(id: string, timeoutMs?: number): Promise<number | null>;
  previewTarget(id: string, port: number): Promise<PreviewTarget>;
  readTree(id: string, options?: { maxFileBytes?: number; maxFiles?: number }): Promise<TreeEntry[]>;
  stop(id: string): Promise<void>;
  /** Starts a stopped sandbox again (Daytona: `sandbox.start()`); providers whose sandboxes wake on use leave it out. */
  resume?(id: string): Promise<void>;
  delete(id: string): Promise<void>;
  /** Stops every sandbox's processes on this machine (server shutdown), where that applies. */
  stopAll?(): Promise<void>;
  /** Brings records in line with what really runs, and frees what is over the provider's bounds (periodic). */
  reconcile?(): Promise<void>;
  /** Releases the provider's own connections (server shutdown). */
  close?(): Promise<void>;
}

/**
 * Errors typed at the source; the API turns them into status codes and sentences in one place.
 * `expose` marks a message as meant for users (the server entry and the Remix build each hold a
 * copy of this module, so the API recognises these by shape, not by class).
 */
export class SandboxError extends Error {
  override name = 'SandboxError';
  readonly expose = true;
  constructor(
    message: string,
    readonly status = 500,
  ) {
    super(message);
  }
}

export class SandboxNotFoundError extends SandboxError {
  override name = 'SandboxNotFoundError';
  constructor(message = 'That sandbox does not exist (it may have been deleted or expired).') {
    super(message, 404);
  }
}

export class SandboxQuotaError extends SandboxError {
  override name = 'SandboxQuotaError';
  constructor(message: string) {
    super(message, 429);
  }
}

export class SandboxProviderError extends SandboxError {
  override name = 'SandboxProviderError';
  constructor(message: string, status = 502) {
    super(message, status);
  }
}
