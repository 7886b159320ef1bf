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
import { apiBase, callHost, hostMessage, inPool, sha1Hex, sleep, withoutToken, type HostAnswer, type HostApi, type HostApiSettings } from './publish-http.server';

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

export class NetlifyHost implements PublishHost {
  readonly name = 'netlify' as const;
  readonly #api: HostApiSettings;
  readonly #concurrency: number;
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
    this.#api = {
      label: 'Netlify',
      base: apiBase(apiUrl, 'NETLIFY_API_URL', '/api/v1'),
      setting: 'NETLIFY_API_URL',
      fetch,
      retries: Math.max(0, retries),
      retryDelayMs: backoffMs,
      maxRetryWaitMs: maxRateLimitWaitMs,
    };
    this.#concurrency = Math.max(1, concurrency);
    this.#pollMs = pollMs;
    this.#timeoutMs = timeoutMs;
  }

  async publish(request: PublishRequest): Promise<PublishResult> {
    const { token, files, onProgress } = request;
    // A token that cannot stand in a header would make fetch throw a message quoting it.
    if (!/^[\x21-\x7e]+$/.test(token)) throw new PublishError('token', 'That is not a Netlify token (letters, digits and punctuation, no spaces): paste the personal access token from Netlify › User settings › Applications.', 401);
    if (!files.length) throw new PublishError('upload', 'There is nothing to publish: the build output has no files.', 400);
    const timeout = AbortSignal.timeout(this.#timeoutMs);
    const api: HostApi = { ...this.#api, token, signal: request.signal ? AbortSignal.any([request.signal, timeout]) : timeout };
    try {
      return await this.#publish(request, api, onProgress);
    } catch (error) {
      if (timeout.aborted && !request.signal?.aborted) throw new PublishError('host', `Netlify did not finish publishing within ${Math.ceil(this.#timeoutMs / 1000)} s; the deploy may still go live. Look at the site in Netlify, or publish again.`, 504);
      throw withoutToken(error, token);
    }
  }

  async #publish(request: PublishRequest, api: HostApi, onProgress: (event: PublishProgress) => void): Promise<PublishResult> {
    const { files } = request;
    const digests = files.map((file) => sha1Hex(file.content));
    const manifest = Object.fromEntries(files.map((file, i) => [`/${file.path}`, digests[i]]));

    let siteId = request.siteId;
    if (!siteId) {
      onProgress({ type: 'log', text: `Creating the Netlify site "${request.siteName}"` });
      siteId = (await this.#createSite(request.siteName, api)).id;
    }

    let deploy = await this.#createDeploy(siteId, manifest, Boolean(request.siteId), api);
    onProgress({ type: 'log', text: `Deploy ${deploy.id}: Netlify compares ${files.length} files with what it holds` });
    onProgress({ type: 'state', state: deploy.state });
    deploy = await this.#until(deploy, DIFFED, api, onProgress);

    // Netlify keeps contents by digest: one upload a required digest, with the first file having it.
    const required = new Set(deploy.required ?? []);
    const reused = digests.filter((digest) => !required.has(digest)).length;
    const missing = files.filter((_, i) => required.delete(digests[i]));
    onProgress({ type: 'log', text: `Netlify already holds ${reused} of ${files.length} files; uploading ${missing.length}` });
    await this.#uploadAll(deploy.id, missing, api, onProgress);

    deploy = await this.#until(deploy, LIVE, api, onProgress);
    const url = deploy.ssl_url || deploy.url;
    if (!url) throw new PublishError('host', 'Netlify says the deploy is ready but not where it is live.');
    onProgress({ type: 'log', text: `Live at ${url}` });
    return { siteId, deployId: deploy.id, url, reused, uploaded: missing.length };
  }

  async #createSite(name: string, api: HostApi): Promise<Site> {
    const res = await callHost<Site>(api, { method: 'POST', path: '/sites', retry: 'refused-only', what: 'creating the site', json: { name } });
    if (res.status === 422) {
      const reason = hostReason(res);
      // Netlify answers a taken name with 422 {"errors":{"subdomain":["must be unique"]}} (open-api issue #377).
      if (/unique|taken|exists/i.test(reason)) throw new PublishError('name-taken', `The name "${name}" is taken on Netlify (site names are unique across all of Netlify): choose another name.`, 409);
      throw new PublishError('host', `Netlify refused the site name "${name}": ${reason}.`, 400);
    }
    if (res.status !== 201 && res.status !== 200) throw refusal(res, 'creating the site');
    const site = answer(res, 'the new site');
    if (typeof site.id !== 'string') throw new PublishError('host', 'Netlify created the site but did not say its id.');
    return site;
  }

  async #createDeploy(siteId: string, files: Record<string, string>, saved: boolean, api: HostApi): Promise<Deploy> {
    const res = await callHost<Deploy>(api, { method: 'POST', path: `/sites/${encodeURIComponent(siteId)}/deploys`, retry: 'refused-only', what: 'starting the deploy', json: { files, async: true, draft: false } });
    if (res.status === 404) {
      throw new PublishError(
        'not-found',
        saved
          ? `The Netlify site this chat published to (${siteId}) is gone: it was deleted, or this token's account cannot see it. Publish to a new site name.`
          : `Netlify lost the site it just created (${siteId}); publish again.`,
        404,
      );
    }
    if (!res.ok) throw refusal(res, 'starting the deploy');
    return deployOf(answer(res, 'the new deploy'));
  }

  /** Looks at the deploy until its state is one of `done`; `error` is the host's failure, in its words. */
  async #until(deploy: Deploy, done: Set<string>, api: HostApi, onProgress: (event: PublishProgress) => void): Promise<Deploy> {
    for (;;) {
      if (deploy.state === 'error') throw new PublishError('host', `Netlify could not publish the deploy: ${deploy.error_message?.trim() || 'it ended in error without saying why'}.`);
      if (done.has(deploy.state)) return deploy;
      await sleep(this.#pollMs, api.signal);
      const res = await callHost<Deploy>(api, { method: 'GET', path: `/deploys/${encodeURIComponent(deploy.id)}`, retry: 'idempotent', what: 'following the deploy' });
      if (!res.ok) throw refusal(res, 'following the deploy');
      const next = deployOf(answer(res, 'the deploy'));
      if (next.state !== deploy.state) onProgress({ type: 'state', state: next.state });
      deploy = next;
    }
  }

  async #uploadAll(deployId: string, files: PublishFile[], api: HostApi, onProgress: (event: PublishProgress) => void) {
    let done = 0;
    let bytes = 0;
    await inPool(files, this.#concurrency, async (file) => {
      await this.#upload(deployId, file, api);
      done += 1;
      bytes += file.content.byteLength;
      onProgress({ type: 'upload', done, total: files.length, bytes });
    });
  }

  async #upload(deployId: string, file: PublishFile, api: HostApi) {
    // Each segment encoded, the `/` between them kept: Netlify's {path} holds the whole path.
    const path = file.path.split('/').map(encodeURIComponent).join('/');
    const res = await callHost(api, { method: 'PUT', path: `/deploys/${encodeURIComponent(deployId)}/files/${path}`, retry: 'idempotent', what: `uploading ${file.path}`, bytes: file.content });
    if (res.status === 401 || res.status === 403) throw refusal(res, `uploading ${file.path}`);
    if (!res.ok) throw new PublishError('upload', `Netlify refused ${file.path} (HTTP ${res.status}): ${hostReason(res)}.`);
  }
}

function deployOf(value: Deploy): Deploy {
  if (typeof value.id !== 'string' || typeof value.state !== 'string') throw new PublishError('host', 'Netlify answered without the deploy\'s id or state.');
  return value;
}

function answer<T>(res: HostAnswer<T>, what: string): T {
  if (!res.json) throw new PublishError('host', `Netlify answered ${what} with something that is not JSON.`);
  return res.body;
}

/** A refused request, typed: the token (401, 403), or the host's own reason. */
function refusal(res: HostAnswer<unknown>, what: string): PublishError {
  if (res.status === 401 || res.status === 403) {
    return new PublishError('token', `Netlify refused the token (HTTP ${res.status}) ${what}: it is wrong, expired or revoked, or has no access to this site. Paste a new one.`, 401);
  }
  return new PublishError('host', `Netlify answered ${what} with HTTP ${res.status}: ${hostReason(res)}.`);
}

/** The host's words (hostMessage: its `error` schema's message, or a 422's `errors`), or the text it sent. */
function hostReason(res: HostAnswer<unknown>): string {
  return hostMessage(res.body) ?? (res.text.trim().slice(0, 200) || 'no reason given');
}
