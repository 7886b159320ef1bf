import type * as z from 'zod/mini';
import { errorMessage } from '../error-message';
import type { BuildOutput, OutputDir } from '../runtime/runtime';
import { responses, sandboxPaths as paths, streamEvent, type SandboxStatus, type SandboxView, type ShareCreated, type ShareView, type TreeEntry, type WriteFilesRequest } from './sandbox-api';

/** A failed call of the sandbox API, with the server's sentence and the HTTP status (0: unreachable). */
export class SandboxApiError extends Error {
  override name = 'SandboxApiError';
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
  }
}

export interface SandboxClientOptions {
  /** Where the app is; the browser leaves it empty (same origin). */
  baseUrl?: string;
  /** The browser's fetch by default; Node callers pass one that carries their session cookie. */
  fetch?: typeof fetch;
}

export interface OutputOptions {
  onOutput: (chunk: string) => void;
  signal?: AbortSignal;
}

/**
 * The one client of /api/sandboxes (the workbench's cloud runtime, the share panel, tests and
 * benchmarks): typed calls whose answers are checked against the contract, JSON-lines streams
 * read as they arrive, and every failure as a SandboxApiError with a sentence a person can act on.
 */
export class SandboxClient {
  #base: string;
  #fetch: typeof fetch;

  constructor(options: SandboxClientOptions = {}) {
    this.#base = options.baseUrl ?? '';
    this.#fetch = options.fetch ?? ((input, init) => fetch(input, init));
  }

  async list(): Promise<SandboxView[]> {
    return (await this.#json(responses.list, 'GET', paths.all)).sandboxes;
  }

  async create(project: string): Promise<SandboxView> {
    return (await this.#json(responses.created, 'POST', paths.all, { project })).sandbox;
  }

  /** The sandbox and its app's port; `waitForPortMs` waits (server side) for the app to listen. */
  status(id: string, waitForPortMs = 0): Promise<SandboxStatus> {
    return this.#json(responses.status, 'GET', waitForPortMs > 0 ? `${paths.one(id)}?waitForPortMs=${waitForPortMs}` : paths.one(id));
  }

  /** Starts a stopped sandbox again (its chat is open again). */
  async resume(id: string): Promise<SandboxView> {
    return (await this.#json(responses.created, 'POST', paths.resume(id))).sandbox;
  }

  /** Stops a sandbox (its files and data stay; it starts again when used). */
  async stop(id: string): Promise<SandboxView> {
    return (await this.#json(responses.created, 'POST', paths.stop(id))).sandbox;
  }

  async delete(id: string): Promise<void> {
    await this.#json(responses.deleted, 'DELETE', paths.one(id));
  }

  async writeFiles(id: string, batch: WriteFilesRequest): Promise<void> {
    await this.#json(responses.written, 'PUT', paths.files(id), batch);
  }

  /** Runs a command to completion, its output streamed to `onOutput`. */
  async exec(id: string, command: string, options: OutputOptions & { timeoutS?: number }): Promise<{ exitCode: number; timedOut?: boolean }> {
    let exit: { exitCode: number; timedOut?: boolean } | undefined;
    await this.#stream('POST', paths.exec(id), { command, timeoutS: options.timeoutS }, options, (code, timedOut) => (exit = { exitCode: code, timedOut }));
    if (!exit) throw new SandboxApiError('The command’s output ended without its exit code (the connection was cut).', 502);
    return exit;
  }

  async start(id: string, command: string): Promise<string> {
    return (await this.#json(responses.started, 'POST', paths.start(id), { command })).processId;
  }

  /** A background process's output so far and then live; resolves with its exit code (undefined: the stream ended first). */
  async follow(id: string, processId: string, options: OutputOptions): Promise<number | undefined> {
    let exitCode: number | undefined;
    await this.#stream('GET', paths.logs(id, processId), undefined, options, (code) => (exitCode = code));
    return exitCode;
  }

  async kill(id: string, processId: string): Promise<void> {
    await this.#json(responses.killed, 'DELETE', paths.process(id, processId));
  }

  async tree(id: string): Promise<TreeEntry[]> {
    return (await this.#json(responses.tree, 'GET', paths.tree(id))).entries;
  }

  /**
   * The sandbox's own state (what the app wrote: databases, uploads) outside the `keep` paths and
   * dependencies, as a gzip tar. Over the server's cap it fails with the server's sentence (413).
   */
  async captureState(id: string, keep: string[]): Promise<{ archive: Uint8Array; files: number }> {
    const { archive, files } = await this.#json(responses.stateCaptured, 'POST', paths.state(id), { keep });
    return { archive: fromBase64(archive), files };
  }

  /** Puts a captured state back: the app's server is stopped, everything outside `keep` and dependencies replaced; start the app again after. */
  async restoreState(id: string, archive: Uint8Array, keep: string[]): Promise<{ files: number }> {
    const { files } = await this.#json(responses.stateRestored, 'PUT', paths.state(id), { archive: toBase64(archive), keep });
    return { files };
  }

  /** A build's output for publishing: the first of `dirs` with an index.html (null: none), its files as base64. */
  async readOutput(id: string, dirs: OutputDir[]): Promise<BuildOutput | null> {
    const { dir, files } = await this.#json(responses.output, 'POST', paths.output(id), { dirs });
    return dir === null ? null : { dir, files };
  }

  /** Revokes every owner preview URL issued so far and answers the sandbox with a new one. */
  async renewPreview(id: string): Promise<SandboxView> {
    return (await this.#json(responses.renewed, 'POST', paths.preview(id))).sandbox;
  }

  async shares(id: string): Promise<ShareView[]> {
    return (await this.#json(responses.shares, 'GET', paths.shares(id))).shares;
  }

  share(id: string, ttlHours?: number): Promise<ShareCreated> {
    return this.#json(responses.shareCreated, 'POST', paths.shares(id), { ttlHours });
  }

  async revokeShare(id: string, shareId: string): Promise<void> {
    await this.#json(responses.revoked, 'DELETE', paths.share(id, shareId));
  }

  async #json<S extends z.ZodMiniType>(schema: S, method: string, path: string, body?: unknown): Promise<z.infer<S>> {
    const response = await this.#request(method, path, body);
    let json: unknown;
    try {
      json = await response.json();
    } catch {
      throw new SandboxApiError(`The server's answer to ${method} ${path} was not JSON.`, 502);
    }
    return checked(schema, json, `${method} ${path}`);
  }

  /** Reads a JSON-lines stream as it arrives: output to `onOutput`, the exit code to `onExit`; an error line is thrown. */
  async #stream(method: string, path: string, body: unknown, options: OutputOptions, onExit: (exitCode: number, timedOut?: boolean) => void) {
    const response = await this.#request(method, path, body, options.signal);
    await readLines(response, (line) => {
      if (!line.trim()) return;
      let json: unknown;
      try {
        json = JSON.parse(line);
      } catch {
        throw new SandboxApiError(`The server's stream for ${method} ${path} had a line that is not JSON.`, 502);
      }
      const event = checked(streamEvent, json, `${method} ${path}`);
      if (event.type === 'error') throw new SandboxApiError(event.message, event.status);
      if (event.type === 'output') options.onOutput(event.data);
      else onExit(event.exitCode, event.timedOut);
    });
  }

  #request(method: string, path: string, body: unknown, signal?: AbortSignal): Promise<Response> {
    return requestApi(this.#fetch, this.#base + path, method, body, signal);
  }
}

/**
 * One JSON request to the app's API: an unreachable server, or an answer that is not OK, becomes a
 * SandboxApiError with the server's sentence (its `{error}`) and the status.
 */
export async function requestApi(fetchImpl: typeof fetch, url: string, method: string, body?: unknown, signal?: AbortSignal): Promise<Response> {
  let response: Response;
  try {
    response = await fetchImpl(url, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal,
      credentials: 'same-origin',
    });
  } catch (error) {
    if (signal?.aborted) throw error;
    throw new SandboxApiError('The app server could not be reached. Check your connection and try again.', 0);
  }
  if (!response.ok) {
    const text = await response.text();
    let message = `The server answered HTTP ${response.status}.`;
    try {
      message = responses.error.parse(JSON.parse(text)).error;
    } catch {
      // not the API's error shape: keep the status sentence
    }
    throw new SandboxApiError(message, response.status);
  }
  return response;
}

/** The browser's client: same origin, the page's session cookie. */
export const sandboxApi = new SandboxClient();

function checked<S extends z.ZodMiniType>(schema: S, json: unknown, what: string): z.infer<S> {
  const parsed = schema.safeParse(json);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  throw new SandboxApiError(`The server's answer to ${what} was not what this app expects (${issue?.path.join('.') || 'body'}: ${issue?.message ?? errorMessage(parsed.error)}).`, 502);
}

/** Bytes as base64, in slices (a spread of megabytes would overflow the call stack). */
export function toBase64(bytes: Uint8Array): string {
  let binary = '';
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary);
}

export function fromBase64(text: string): Uint8Array {
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

/** Reads a response body line by line as it arrives. */
export async function readLines(response: Response, onLine: (line: string) => void): Promise<void> {
  const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      buffer += value;
      let newline: number;
      while ((newline = buffer.indexOf('\n')) >= 0) {
        const line = buffer.slice(0, newline);
        buffer = buffer.slice(newline + 1);
        onLine(line);
      }
    }
  } catch (error) {
    // A line that could not be handled ends the read: the rest of the stream is not wanted.
    await reader.cancel().catch(() => {});
    throw error;
  }
}
