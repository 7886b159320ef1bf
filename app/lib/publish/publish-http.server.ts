import { createHash } from 'node:crypto';
import { describeError } from '~/lib/http/connection-errors.server';
import { redactSecrets } from '~/lib/http/redact';
import { PublishError, type PublishErrorKind } from './publish-host.server';

/**
 * Talking to a static host's REST API from the server: one call, retried where the host allows it
 * (a cut connection, a 5xx, a 429 with a short Retry-After), its answer parsed; what is left for the
 * host's client is the meaning of each status. Nothing here writes a token into a message.
 */

export interface HostApi {
  /** The host's name in sentences: "Vercel". */
  label: string;
  fetch: typeof globalThis.fetch;
  /** Retries after the first attempt. */
  retries: number;
  /** The first wait after a cut connection or a 5xx; doubled each time. */
  retryDelayMs: number;
  /** The longest Retry-After waited out; a longer one fails the call as rate-limited. */
  maxRetryWaitMs: number;
  /** Secrets no message may carry (the token). */
  secrets: string[];
  signal?: AbortSignal;
}

export interface HostCall {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  url: string;
  headers: Record<string, string>;
  body?: Uint8Array | string;
  /** What the call does, for sentences: "uploading index.html". */
  what: string;
  /**
   * 'transient': repeating it is harmless (reads, uploads by digest), so a cut connection and a
   * 5xx are retried too. 'rate-limit': only a 429 is (the host did nothing).
   */
  retry: 'transient' | 'rate-limit';
  /** The kind of error a call that never got an answer is: 'upload' for uploads, else 'host'. */
  failKind?: PublishErrorKind;
}

export interface HostAnswer<T = Record<string, unknown>> {
  status: number;
  body: T;
  headers: Headers;
}

/** Seconds a 429 asks to wait: Retry-After (seconds or a date), else a reset time in the body (seconds or ms since the epoch). */
export function retryAfterSeconds(headers: Headers, reset?: unknown, now = Date.now()): number | undefined {
  const header = headers.get('retry-after');
  if (header !== null && header.trim() !== '') {
    const seconds = Number(header);
    if (Number.isFinite(seconds) && seconds >= 0) return Math.ceil(seconds);
    const date = Date.parse(header);
    if (Number.isFinite(date)) return Math.max(0, Math.ceil((date - now) / 1000));
  }
  if (typeof reset === 'number' && reset > 0) {
    const ms = reset > 1e12 ? reset : reset * 1000;
    return Math.max(0, Math.ceil((ms - now) / 1000));
  }
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
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

export function sha1Hex(bytes: Uint8Array): string {
  return createHash('sha1').update(bytes).digest('hex');
}

export function hostSentence(api: HostApi, text: string): string {
  return redactSecrets(text, api.secrets);
}

/** The host's own words about a failed call: `error.message` (Vercel, Netlify's JSON errors) or `message`. */
export function hostMessage(body: unknown): string | undefined {
  const record = (body ?? {}) as { error?: { message?: unknown } | string; message?: unknown };
  const nested = typeof record.error === 'object' && record.error ? record.error.message : record.error;
  const text = typeof nested === 'string' ? nested : typeof record.message === 'string' ? record.message : undefined;
  return text?.trim() || undefined;
}

/** One call, retried as `call.retry` allows; throws PublishError for a 429 it gives up on and for a call that never got an answer. */
export async function callHost<T = Record<string, unknown>>(api: HostApi, call: HostCall): Promise<HostAnswer<T>> {
  for (let attempt = 0; ; attempt++) {
    const last = attempt >= api.retries;
    let response: Response;
    try {
      response = await api.fetch(call.url, { method: call.method, headers: call.headers, body: call.body as BodyInit | undefined, redirect: 'manual', signal: api.signal });
    } catch (error) {
      if (api.signal?.aborted) throw api.signal.reason;
      if (call.retry === 'transient' && !last) {
        await sleep(api.retryDelayMs * 2 ** attempt, api.signal);
        continue;
      }
      const cause = (error as { cause?: unknown }).cause;
      throw new PublishError(call.failKind ?? 'host', hostSentence(api, `Could not reach ${api.label} while ${call.what} (${describeError(cause ?? error)}), after ${attempt + 1} attempts. Try again in a moment.`));
    }
    const text = await response.text().catch(() => '');
    let body = {} as T;
    try {
      body = (text ? JSON.parse(text) : {}) as T;
    } catch {
      // A proxy's HTML page: the status says enough.
    }
    if (response.status === 429) {
      const limit = (body as { error?: { limit?: { reset?: unknown } } }).error?.limit;
      const wait = retryAfterSeconds(response.headers, limit?.reset);
      if (!last && (wait ?? 0) * 1000 <= api.maxRetryWaitMs) {
        await sleep(wait !== undefined ? wait * 1000 : api.retryDelayMs * 2 ** attempt, api.signal);
        continue;
      }
      const when = wait !== undefined ? ` Try again in ${wait < 120 ? `${wait} s` : `${Math.ceil(wait / 60)} min`}.` : ' Try again later.';
      const says = hostMessage(body);
      throw new PublishError('rate-limited', hostSentence(api, `${api.label} is limiting requests (while ${call.what})${says ? `: ${says}` : ''}.${when}`), 429, wait);
    }
    if (response.status >= 500 && call.retry === 'transient' && !last) {
      await sleep(api.retryDelayMs * 2 ** attempt, api.signal);
      continue;
    }
    return { status: response.status, body, headers: response.headers };
  }
}
