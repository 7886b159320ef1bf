import { createHash } from 'node:crypto';
import { describeError } from '~/lib/http/connection-errors.server';
import { redactSecrets } from '~/lib/http/redact';
import { PublishError } from './publish-host.server';

/**
 * Talking to a static host's REST API from the server, the same for every host's client (Netlify,
 * Vercel): one call to the API, with the token as a Bearer header to the API's origin and nowhere
 * else (a redirect is not followed), retried where the host allows it (a cut connection, a 5xx, a
 * 429 with a short enough wait), its answer read; a few calls at once; SHA-1 digests; and errors
 * without the token. What is left for each host's client is the meaning of each status.
 */

export interface HostApi {
  /** The host's name in sentences: "Vercel". */
  label: string;
  /** The API's base URL (see apiBase); every call's path is appended to it. */
  base: string;
  /** The setting `base` comes from, for sentences: "VERCEL_API_URL". */
  setting: string;
  /** Sent as `Authorization: Bearer <token>`, only to `base`. */
  token: string;
  fetch: typeof globalThis.fetch;
  /** Retries after the first attempt. */
  retries: number;
  /** The first wait after a cut connection, a 5xx, or a 429 that names no wait; doubled each time. */
  retryDelayMs: number;
  /** The longest wait a 429 asks for that is waited out; a longer one fails the call as rate-limited. */
  maxRetryWaitMs: number;
  signal?: AbortSignal;
}

/** A host client's side of HostApi, set once; each publish adds its token and signal. */
export type HostApiSettings = Omit<HostApi, 'token' | 'signal'>;

export interface HostCall {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** Below the API's base: "/v13/deployments". */
  path: string;
  /** More headers (Authorization, Accept and the body's Content-Type are set here). */
  headers?: Record<string, string>;
  /** A JSON body. */
  json?: unknown;
  /** A file's bytes (application/octet-stream): a call that never gets an answer is an 'upload' error. */
  bytes?: Uint8Array;
  /** What the call does, for sentences: "uploading index.html". */
  what: string;
  /**
   * 'idempotent': repeating it is harmless (reads, uploads by digest), so a cut connection and a
   * 5xx are retried too. 'refused-only': only a 429 is (the host did nothing).
   */
  retry: 'idempotent' | 'refused-only';
}

export interface HostAnswer<T = Record<string, unknown>> {
  status: number;
  ok: boolean;
  headers: Headers;
  /** The body as text. */
  text: string;
  /** Whether `text` is JSON. */
  json: boolean;
  /** The body parsed, or {} when it is not JSON (a proxy's HTML page: the status says enough). */
  body: T;
}

/** The API's base URL from a setting: an http(s) URL, without a trailing `/`; `suffix` appended ("/api/v1"). */
export function apiBase(apiUrl: string, setting: string, suffix = ''): string {
  const url = new URL(apiUrl);
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new Error(`${setting} must be an http(s) URL, not ${url.protocol}`);
  return `${url.origin}${url.pathname.replace(/\/+$/, '')}${suffix}`;
}

/**
 * How long a 429 asks to wait, in ms: Retry-After (seconds or a date), else a reset time, in the
 * X-RateLimit-Reset header (Netlify documents it) or the body's `error.limit.reset` (Vercel's),
 * in seconds or ms since the epoch.
 */
export function retryAfterMs(headers: Headers, body?: unknown, now = Date.now()): number | undefined {
  const header = headers.get('retry-after');
  if (header !== null && header.trim() !== '') {
    const seconds = Number(header);
    if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
    const date = Date.parse(header);
    if (Number.isFinite(date)) return Math.max(0, date - now);
  }
  const fromBody = (body as { error?: { limit?: { reset?: unknown } } } | undefined)?.error?.limit?.reset;
  const reset = Number(headers.get('x-ratelimit-reset') ?? fromBody ?? NaN);
  if (Number.isFinite(reset) && reset > 0) return Math.max(0, (reset > 1e12 ? reset : reset * 1000) - now);
  return undefined;
}

/** Waits `ms`, or throws the signal's reason when it is aborted first. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const done = () => {
      signal?.removeEventListener('abort', abort);
      resolve();
    };
    const timer = setTimeout(done, ms);
    const abort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    signal?.addEventListener('abort', abort, { once: true });
  });
}

/** Runs `work` on every item, at most `limit` at once; the first failure stops the rest from starting and is thrown. */
export async function inPool<T>(items: T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  let failed = false;
  const worker = async () => {
    while (!failed && next < items.length) {
      const item = items[next++];
      try {
        await work(item);
      } catch (error) {
        failed = true;
        throw error;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(Math.max(1, limit), items.length) }, worker));
}

/** Lowercase hex SHA-1 of the bytes: how Netlify's `files` map and Vercel's `x-vercel-digest` name a file. */
export function sha1Hex(bytes: Uint8Array): string {
  return createHash('sha1').update(bytes).digest('hex');
}

/** `error` with the token taken out of its message (a host could echo it; so could fetch's own errors). */
export function withoutToken(error: unknown, token: string): unknown {
  if (!(error instanceof PublishError)) return error;
  const message = redactSecrets(error.message, [token]);
  return message === error.message ? error : new PublishError(error.kind, message, error.status, error.retryAfter);
}

/**
 * The host's own words about a failed call, from its JSON body: `error.message` (Vercel), `message`
 * (Netlify's `error` schema), or `errors`, field → messages (Netlify's 422).
 */
export function hostMessage(body: unknown): string | undefined {
  const record = (body ?? {}) as { error?: { message?: unknown } | string; message?: unknown; errors?: unknown };
  const nested = typeof record.error === 'object' && record.error ? record.error.message : record.error;
  const text = typeof nested === 'string' ? nested : typeof record.message === 'string' ? record.message : undefined;
  if (text?.trim()) return text.trim();
  if (record.errors && typeof record.errors === 'object' && !Array.isArray(record.errors)) {
    const fields = Object.entries(record.errors).map(([field, messages]) => `${field} ${Array.isArray(messages) ? messages.join(', ') : String(messages)}`);
    return fields.join('; ') || undefined;
  }
  return undefined;
}

const waitWords = (seconds: number) => (seconds < 120 ? `${seconds} s` : `${Math.ceil(seconds / 60)} min`);

/**
 * One call, retried as `call.retry` allows. Throws PublishError for a call that never got an answer
 * ('upload' for a file's bytes, else 'host'), a 429 it will not wait out ('rate-limited', 429, with
 * the wait in seconds when the host named one) and a redirect ('host'); any other answer is the caller's.
 */
export async function callHost<T = Record<string, unknown>>(api: HostApi, call: HostCall): Promise<HostAnswer<T>> {
  const headers: Record<string, string> = { authorization: `Bearer ${api.token}`, accept: 'application/json' };
  if (call.json !== undefined) headers['content-type'] = 'application/json';
  if (call.bytes) headers['content-type'] = 'application/octet-stream';
  Object.assign(headers, call.headers);
  const body = call.json !== undefined ? JSON.stringify(call.json) : (call.bytes as BodyInit | undefined);
  for (let attempt = 1; ; attempt++) {
    const last = attempt > api.retries;
    const backoff = api.retryDelayMs * 2 ** (attempt - 1);
    let response: Response;
    try {
      // A redirect is not followed: the token goes to the API's origin and nowhere else.
      response = await api.fetch(`${api.base}${call.path}`, { method: call.method, headers, body, redirect: 'manual', signal: api.signal });
    } catch (error) {
      if (api.signal?.aborted) throw api.signal.reason;
      if (call.retry === 'idempotent' && !last) {
        await sleep(backoff, api.signal);
        continue;
      }
      const cause = (error as { cause?: unknown }).cause;
      throw new PublishError(call.bytes ? 'upload' : 'host', `Could not reach ${api.label} while ${call.what} (${describeError(cause ?? error)}), after ${attempt} ${attempt === 1 ? 'attempt' : 'attempts'}. Try again in a moment.`);
    }
    const text = await response.text().catch(() => '');
    if (api.signal?.aborted) throw api.signal.reason;
    let parsed: T | undefined;
    try {
      parsed = text ? (JSON.parse(text) as T) : undefined;
    } catch {
      parsed = undefined;
    }
    if (response.status === 429) {
      const wait = retryAfterMs(response.headers, parsed);
      if (!last && (wait ?? backoff) <= api.maxRetryWaitMs) {
        await sleep(wait ?? backoff, api.signal);
        continue;
      }
      const seconds = wait !== undefined ? Math.max(1, Math.ceil(wait / 1000)) : undefined;
      const says = hostMessage(parsed);
      const when = seconds !== undefined ? `Try again in ${waitWords(seconds)}.` : 'Try again later.';
      throw new PublishError('rate-limited', `${api.label} is limiting requests (while ${call.what})${says ? `: ${says}` : ''}. ${when}`, 429, seconds);
    }
    if (response.status >= 500 && call.retry === 'idempotent' && !last) {
      await sleep(backoff, api.signal);
      continue;
    }
    if (response.status >= 300 && response.status < 400) {
      throw new PublishError('host', `While ${call.what}, ${api.label} answered with a redirect (HTTP ${response.status}); it is not followed, so the token goes nowhere but ${api.label}'s API. Check ${api.setting}.`);
    }
    return { status: response.status, ok: response.ok, headers: response.headers, text, json: parsed !== undefined, body: parsed ?? ({} as T) };
  }
}
