/**
 * Publishes a build output to Netlify by its file-digest deploy, as Netlify's published API has it
 * (github.com/netlify/open-api swagger.yml; the operations and what lies beyond the document are in
 * tests/fixtures/netlify/contract.json, with sources):
 *   1. the site: the one saved with the chat (`siteId`), or a new one, `POST /sites {name}`;
 *   2. `POST /sites/{site_id}/deploys {files: {"/path": sha1}, async: true}`: Netlify diffs the
 *      digests against what it holds (state `preparing`) and, once diffed (`prepared`, or later),
 *      lists in `required` the digests it lacks;
 *   3. `PUT /deploys/{deploy_id}/files/{path}` once for each required digest (files of the same
 *      content share one upload), a few at once, each retried on a cut connection, a 5xx or a 429;
 *   4. `GET /deploys/{deploy_id}` until `ready` (live at the deploy's ssl_url) or `error`.
 * The token goes only in the Authorization header, only to `apiUrl`; no message carries it.
 */
import { PublishError, type PublishFile, type PublishHost, type PublishProgress, type PublishRequest, type PublishResult } from './publish-host.server';

export interface NetlifyHostOptions {
  /** Netlify's API origin; `/api/v1` is appended. */
  apiUrl?: string;
  fetch?: typeof globalThis.fetch;
  /** Files uploaded at once. */
  concurrency?: number;
  /** Further tries of one request after a cut connection, a 5xx (uploads and reads) or a 429. */
  retries?: number;
  /** The wait before the first retry; it doubles with each. */
  backoffMs?: number;
  /** A rate limit asking for a longer wait than this is reported, not waited out. */
  maxRateLimitWaitMs?: number;
  /** Between two looks at a deploy's state. */
  pollMs?: number;
  /** The whole publish, from the first request to the deploy's `ready`. */
  timeoutMs?: number;
}

/** The fields of Netlify's `site` and `deploy` (swagger.yml definitions) the client reads. */
interface Site {
  id: string;
  name?: string;
}
interface Deploy {
  id: string;
  state: string;
  required?: string[];
  error_message?: string;
  ssl_url?: string;
  url?: string;
}

/** States in which an async deploy's digests are diffed (netlify/cli src/utils/deploy/util.ts waitForDiff). */
const DIFFED = new Set(['prepared', 'uploading', 'uploaded', 'ready']);
const LIVE = new Set(['ready']);

interface Call {
  token: string;
  signal: AbortSignal;
}

interface Send {
  /** Whether a failed request may be sent again: reads and uploads (idempotent), or only when refused (429) for creations. */
  retry: 'idempotent' | 'refused-only';
  /** For messages: "creating the site". */
  what: string;
  json?: unknown;
  bytes?: Uint8Array;
}

export class NetlifyHost implements PublishHost {
  readonly name = 'netlify' as const;
  readonly #base: string;
  readonly #fetch: typeof globalThis.fetch;
  readonly #concurrency: number;
  readonly #retries: number;
  readonly #backoffMs: number;
  readonly #maxRateLimitWaitMs: number;
  readonly #pollMs: number;
  readonly #timeoutMs: number;

  constructor({
    apiUrl = 'https://api.netlify.com',
    fetch = globalThis.fetch,
    concurrency = 4,
    retries = 3,
    backoffMs = 500,
    maxRateLimitWaitMs = 30_000,
    pollMs = 1000,
    timeoutMs = 5 * 60_000,
  }: NetlifyHostOptions = {}) {
    const url = new URL(apiUrl);
    if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new Error(`NETLIFY_API_URL must be an http(s) URL, not ${url.protocol}`);
    this.#base = `${url.origin}${url.pathname.replace(/\/+$/, '')}/api/v1`;
    this.#fetch = fetch;
    this.#concurrency = Math.max(1, concurrency);
    this.#retries = Math.max(0, retries);
    this.#backoffMs = backoffMs;
    this.#maxRateLimitWaitMs = maxRateLimitWaitMs;
    this.#pollMs = pollMs;
    this.#timeoutMs = timeoutMs;
  }

  async publish(request: PublishRequest): Promise<PublishResult> {
    const { token, files, onProgress } = request;
    // A token that cannot stand in a header would make fetch throw a message quoting it.
    if (!/^[\x21-\x7e]+$/.test(token)) throw new PublishError('token', 'That is not a Netlify token (letters, digits and punctuation, no spaces): paste the personal access token from Netlify › User settings › Applications.', 401);
    if (!files.length) throw new PublishError('upload', 'There is nothing to publish: the build output has no files.', 400);
    const timeout = AbortSignal.timeout(this.#timeoutMs);
    const call: Call = { token, signal: request.signal ? AbortSignal.any([request.signal, timeout]) : timeout };
    try {
      return await this.#publish(request, call, onProgress);
    } catch (error) {
      if (timeout.aborted && !request.signal?.aborted) throw new PublishError('host', `Netlify did not finish publishing within ${Math.ceil(this.#timeoutMs / 1000)} s; the deploy may still go live. Look at the site in Netlify, or publish again.`, 504);
      if (error instanceof PublishError) throw new PublishError(error.kind, scrub(error.message, token), error.status, error.retryAfter);
      throw error;
    }
  }

  async #publish(request: PublishRequest, call: Call, onProgress: (event: PublishProgress) => void): Promise<PublishResult> {
    const { files } = request;
    const digests = await Promise.all(files.map((file) => sha1(file.content)));
    const manifest = Object.fromEntries(files.map((file, i) => [`/${file.path}`, digests[i]]));

    let siteId = request.siteId;
    if (!siteId) {
      onProgress({ type: 'log', text: `Creating the Netlify site "${request.siteName}"` });
      siteId = (await this.#createSite(request.siteName, call)).id;
    }

    let deploy = await this.#createDeploy(siteId, manifest, Boolean(request.siteId), call);
    onProgress({ type: 'log', text: `Deploy ${deploy.id}: Netlify compares ${files.length} files with what it holds` });
    onProgress({ type: 'state', state: deploy.state });
    deploy = await this.#until(deploy, DIFFED, call, onProgress);

    // Netlify keeps contents by digest: one upload a required digest, with the first file having it.
    const required = new Set(deploy.required ?? []);
    const reused = digests.filter((digest) => !required.has(digest)).length;
    const missing = files.filter((_, i) => required.delete(digests[i]));
    onProgress({ type: 'log', text: `Netlify already holds ${reused} of ${files.length} files; uploading ${missing.length}` });
    await this.#uploadAll(deploy.id, missing, call, onProgress);

    deploy = await this.#until(deploy, LIVE, call, onProgress);
    const url = deploy.ssl_url || deploy.url;
    if (!url) throw new PublishError('host', 'Netlify says the deploy is ready but not where it is live.');
    onProgress({ type: 'log', text: `Live at ${url}` });
    return { siteId, deployId: deploy.id, url, reused, uploaded: missing.length };
  }

  async #createSite(name: string, call: Call): Promise<Site> {
    const res = await this.#request('POST', '/sites', call, { retry: 'refused-only', what: 'creating the site', json: { name } });
    if (res.status === 422) {
      const reason = await hostReason(res);
      // Netlify answers a taken name with 422 {"errors":{"subdomain":["must be unique"]}} (open-api issue #377).
      if (/unique|taken|exists/i.test(reason)) throw new PublishError('name-taken', `The name "${name}" is taken on Netlify (site names are unique across all of Netlify): choose another name.`, 409);
      throw new PublishError('host', `Netlify refused the site name "${name}": ${reason}.`, 400);
    }
    if (res.status !== 201 && res.status !== 200) throw await refusal(res, 'creating the site');
    const site = await answer<Site>(res, 'the new site');
    if (typeof site.id !== 'string') throw new PublishError('host', 'Netlify created the site but did not say its id.');
    return site;
  }

  async #createDeploy(siteId: string, files: Record<string, string>, saved: boolean, call: Call): Promise<Deploy> {
    const res = await this.#request('POST', `/sites/${encodeURIComponent(siteId)}/deploys`, call, { retry: 'refused-only', what: 'starting the deploy', json: { files, async: true, draft: false } });
    if (res.status === 404) {
      throw new PublishError(
        'not-found',
        saved
          ? `The Netlify site this chat published to (${siteId}) is gone: it was deleted, or this token's account cannot see it. Publish to a new site name.`
          : `Netlify lost the site it just created (${siteId}); publish again.`,
        404,
      );
    }
    if (!res.ok) throw await refusal(res, 'starting the deploy');
    return deployOf(await answer<Deploy>(res, 'the new deploy'));
  }

  /** Looks at the deploy until its state is one of `done`; `error` is the host's failure, in its words. */
  async #until(deploy: Deploy, done: Set<string>, call: Call, onProgress: (event: PublishProgress) => void): Promise<Deploy> {
    for (;;) {
      if (deploy.state === 'error') throw new PublishError('host', `Netlify could not publish the deploy: ${deploy.error_message?.trim() || 'it ended in error without saying why'}.`);
      if (done.has(deploy.state)) return deploy;
      await sleep(this.#pollMs, call.signal);
      const res = await this.#request('GET', `/deploys/${encodeURIComponent(deploy.id)}`, call, { retry: 'idempotent', what: 'following the deploy' });
      if (!res.ok) throw await refusal(res, 'following the deploy');
      const next = deployOf(await answer<Deploy>(res, 'the deploy'));
      if (next.state !== deploy.state) onProgress({ type: 'state', state: next.state });
      deploy = next;
    }
  }

  async #uploadAll(deployId: string, files: PublishFile[], call: Call, onProgress: (event: PublishProgress) => void) {
    let next = 0;
    let done = 0;
    let bytes = 0;
    let failed = false;
    const worker = async () => {
      while (!failed && next < files.length) {
        const file = files[next++];
        try {
          await this.#upload(deployId, file, call);
        } catch (error) {
          failed = true;
          throw error;
        }
        done += 1;
        bytes += file.content.byteLength;
        onProgress({ type: 'upload', done, total: files.length, bytes });
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.#concurrency, files.length) }, worker));
  }

  async #upload(deployId: string, file: PublishFile, call: Call) {
    // Each segment encoded, the `/` between them kept: Netlify's {path} holds the whole path.
    const path = file.path.split('/').map(encodeURIComponent).join('/');
    const res = await this.#request('PUT', `/deploys/${encodeURIComponent(deployId)}/files/${path}`, call, { retry: 'idempotent', what: `uploading ${file.path}`, bytes: file.content });
    if (res.status === 401 || res.status === 403) throw await refusal(res, `uploading ${file.path}`);
    if (!res.ok) throw new PublishError('upload', `Netlify refused ${file.path} (HTTP ${res.status}): ${await hostReason(res)}.`);
    await res.body?.cancel();
  }

  /**
   * One API request, sent again after a 429 (when the wait asked is short enough) and, when
   * `retry` is idempotent, after a cut connection or a 5xx, with a doubling backoff. A 429 it
   * will not wait out is reported; any other answer is the caller's to read.
   */
  async #request(method: string, path: string, call: Call, { retry, what, json, bytes }: Send): Promise<Response> {
    const headers: Record<string, string> = { authorization: `Bearer ${call.token}`, accept: 'application/json' };
    if (json !== undefined) headers['content-type'] = 'application/json';
    if (bytes) headers['content-type'] = 'application/octet-stream';
    const payload = json !== undefined ? JSON.stringify(json) : (bytes as BodyInit | undefined);
    for (let attempt = 1; ; attempt++) {
      const last = attempt > this.#retries;
      const backoff = this.#backoffMs * 2 ** (attempt - 1);
      let res: Response;
      try {
        // A redirect is not followed: the token goes to apiUrl and nowhere else.
        res = await this.#fetch(`${this.#base}${path}`, { method, headers, body: payload, redirect: 'manual', signal: call.signal });
      } catch (error) {
        if (call.signal.aborted) throw error;
        if (retry === 'refused-only' || last) throw new PublishError(bytes ? 'upload' : 'host', `Could not reach Netlify ${what} (${networkReason(error)}) after ${attempt} ${attempt === 1 ? 'try' : 'tries'}.`);
        await sleep(backoff, call.signal);
        continue;
      }
      if (res.status === 429) {
        const wait = retryAfterMs(res.headers);
        if (last || (wait ?? backoff) > this.#maxRateLimitWaitMs) {
          await res.body?.cancel();
          const seconds = Math.max(1, Math.ceil((wait ?? 60_000) / 1000));
          throw new PublishError('rate-limited', `Netlify is limiting how often this token publishes: try again in ${seconds} s.`, 429, seconds);
        }
        await res.body?.cancel();
        await sleep(wait ?? backoff, call.signal);
        continue;
      }
      if (res.status >= 500 && retry === 'idempotent' && !last) {
        await res.body?.cancel();
        await sleep(backoff, call.signal);
        continue;
      }
      if (res.status >= 300 && res.status < 400) {
        await res.body?.cancel();
        throw new PublishError('host', `Netlify answered ${what} with a redirect (HTTP ${res.status}); it is not followed. Check NETLIFY_API_URL.`);
      }
      return res;
    }
  }
}

/** Lowercase hex SHA-1 of the bytes, as Netlify's `files` map wants (deployFiles.files). */
async function sha1(bytes: Uint8Array): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-1', bytes as Uint8Array<ArrayBuffer>);
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, '0')).join('');
}

function deployOf(value: Deploy): Deploy {
  if (typeof value.id !== 'string' || typeof value.state !== 'string') throw new PublishError('host', 'Netlify answered without the deploy\'s id or state.');
  return value;
}

async function answer<T>(res: Response, what: string): Promise<T> {
  try {
    return (await res.json()) as T;
  } catch {
    throw new PublishError('host', `Netlify answered ${what} with something that is not JSON.`);
  }
}

/** A refused request, typed: the token (401, 403), a rate limit, or the host's own reason. */
async function refusal(res: Response, what: string): Promise<PublishError> {
  if (res.status === 401 || res.status === 403) {
    await res.body?.cancel();
    return new PublishError('token', `Netlify refused the token (HTTP ${res.status}) ${what}: it is wrong, expired or revoked, or has no access to this site. Paste a new one.`, 401);
  }
  return new PublishError('host', `Netlify answered ${what} with HTTP ${res.status}: ${await hostReason(res)}.`);
}

/** The host's words: `message` (its `error` schema), `errors` (field → messages, as a 422 has them), or text. */
async function hostReason(res: Response): Promise<string> {
  const text = await res.text().catch(() => '');
  try {
    const body = JSON.parse(text) as { message?: unknown; errors?: Record<string, unknown> };
    if (typeof body.message === 'string' && body.message) return body.message;
    if (body.errors && typeof body.errors === 'object') {
      return Object.entries(body.errors)
        .map(([field, messages]) => `${field} ${Array.isArray(messages) ? messages.join(', ') : String(messages)}`)
        .join('; ');
    }
  } catch {
    // Not JSON: the text itself.
  }
  return text.trim().slice(0, 200) || res.statusText || 'no reason given';
}

/**
 * How long a 429 asks to wait: Retry-After (seconds or a date), else X-RateLimit-Reset (a unix
 * time in seconds, the header Netlify documents and its own client waits for).
 */
function retryAfterMs(headers: Headers): number | undefined {
  const retryAfter = headers.get('retry-after');
  if (retryAfter !== null) {
    const seconds = Number(retryAfter);
    if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
    const date = Date.parse(retryAfter);
    if (Number.isFinite(date)) return Math.max(0, date - Date.now());
  }
  const reset = Number(headers.get('x-ratelimit-reset') ?? NaN);
  if (Number.isFinite(reset) && reset > 0) return Math.max(0, reset * 1000 - Date.now());
  return undefined;
}

function networkReason(error: unknown): string {
  const cause = (error as { cause?: { code?: unknown; message?: unknown } })?.cause;
  if (typeof cause?.code === 'string') return `the connection failed: ${cause.code}`;
  if (typeof cause?.message === 'string') return cause.message;
  return error instanceof Error ? error.message : String(error);
}

/** The token out of any text (a host could echo it): no message or log carries it. */
function scrub(text: string, token: string): string {
  return token ? text.split(token).join('[token]') : text;
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', stop);
      resolve();
    }, ms);
    const stop = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    signal.addEventListener('abort', stop, { once: true });
  });
}
