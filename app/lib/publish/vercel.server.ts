import { apiBase, callHost, hostMessage, inPool, sha1Hex, sleep, withoutToken, type HostAnswer, type HostApi, type HostApiSettings } from './publish-http.server';
import { PublishError, type HostName, type PublishHost, type PublishProgress, type PublishRequest, type PublishResult } from './publish-host.server';

/**
 * Publishing to Vercel through its REST API (https://api.vercel.com, the OpenAPI description at
 * https://openapi.vercel.sh/; the facts this relies on, with their sources, are in
 * tests/fixtures/vercel/contract.json):
 *
 * 1. The project: with a siteId, `GET /v9/projects/{id}` (404: gone); without one, `POST /v11/projects`
 *    `{name, framework: null}`. Project names are per account: another account's project of the same
 *    name is no clash (its `<name>.vercel.app` may be, and then Vercel gives this project another
 *    production domain, which is the URL returned). A project of this name in the token's own
 *    account is a 409; it is taken over only when it has never had a deployment (left by a publish
 *    that failed before its first one), otherwise the name is refused: publishing would replace that site.
 * 2. `POST /v13/deployments` with every file as `{file, sha, size}` (SHA-1 of the content), target
 *    production, no framework (the files are a finished build: nothing is built on Vercel's side).
 *    Vercel answers 400 `missing_files` with the digests it lacks; those alone are uploaded with
 *    `POST /v2/files` (`x-vercel-digest`), a few at once, and the deployment is created again.
 * 3. `GET /v13/deployments/{id}` until READY with its aliases assigned (ERROR, CANCELED or an alias
 *    error fail). The URL is the first alias of the production deployment, as Vercel's CLI prints it;
 *    the deployment's own URL only when it has none (that one may be behind Vercel's Deployment Protection).
 *
 * The token goes only in the Authorization header of requests to `apiUrl`; no message carries it.
 */

export interface VercelHostOptions {
  apiUrl?: string;
  fetch?: typeof globalThis.fetch;
  /** Uploads at once. */
  uploadConcurrency?: number;
  /** Between two looks at a deployment's state. */
  pollMs?: number;
  /** The whole publish, from the first request to the deployment's READY. */
  timeoutMs?: number;
  /** The first wait before retrying a cut connection or a 5xx (doubled each time). */
  retryDelayMs?: number;
  /** The longest Retry-After waited out before giving up as rate-limited. */
  maxRetryWaitMs?: number;
}

const RETRIES = 3;
const NAME_RULE = "Vercel project names are lowercase letters, digits, '.', '_' and '-', at most 100 characters, without '---'";

/** Why Vercel would refuse `name` as a project name (its invalid_project_name rule), or undefined. */
export function vercelNameProblem(name: string): string | undefined {
  if (/^[a-z0-9._-]{1,100}$/.test(name) && !name.includes('---')) return undefined;
  const suggestion = name
    .toLowerCase()
    .replace(/[^a-z0-9._-]+/g, '-')
    .replace(/-{3,}/g, '--')
    .replace(/^[-.]+|[-.]+$/g, '')
    .slice(0, 100);
  const shown = name.length > 60 ? `${name.slice(0, 57)}…` : name;
  return `“${shown}” cannot be a Vercel project name: ${NAME_RULE}.${suggestion && suggestion !== name ? ` “${suggestion}” would do.` : ''}`;
}

interface Project {
  id: string;
  name: string;
  latestDeployments?: unknown[];
  targets?: { production?: unknown };
}

interface Deployment {
  id: string;
  url: string;
  projectId?: string;
  readyState?: string;
  target?: string | null;
  alias?: string[];
  aliasAssigned?: boolean | number | null;
  aliasError?: { code?: string; message?: string } | null;
  errorCode?: string;
  errorMessage?: string | null;
}

interface DeploymentFile {
  file: string;
  sha: string;
  size: number;
}

interface Publish {
  api: HostApi;
  onProgress: (event: PublishProgress) => void;
  deadline: number;
}

export class VercelHost implements PublishHost {
  readonly name: HostName = 'vercel';
  readonly #api: HostApiSettings;
  readonly #uploadConcurrency: number;
  readonly #pollMs: number;
  readonly #timeoutMs: number;

  constructor({ apiUrl = 'https://api.vercel.com', fetch = globalThis.fetch, uploadConcurrency = 8, pollMs = 1500, timeoutMs = 10 * 60_000, retryDelayMs = 500, maxRetryWaitMs = 30_000 }: VercelHostOptions = {}) {
    this.#api = { label: 'Vercel', base: apiBase(apiUrl, 'VERCEL_API_URL'), setting: 'VERCEL_API_URL', fetch, retries: RETRIES, retryDelayMs, maxRetryWaitMs };
    this.#uploadConcurrency = uploadConcurrency;
    this.#pollMs = pollMs;
    this.#timeoutMs = timeoutMs;
  }

  async publish(request: PublishRequest): Promise<PublishResult> {
    const { token, siteName, siteId, files, onProgress, signal } = request;
    if (!siteId) {
      const problem = vercelNameProblem(siteName);
      if (problem) throw new PublishError('host', problem, 400);
    }
    if (!token.trim()) throw new PublishError('token', 'There is no Vercel token: paste one (vercel.com/account/tokens) to publish.', 401);
    if (!files.length) throw new PublishError('host', 'There is nothing to publish: the build output has no files.', 400);
    const run: Publish = {
      api: { ...this.#api, token, signal },
      onProgress,
      deadline: Date.now() + this.#timeoutMs,
    };
    try {
      return await this.#publish(run, request);
    } catch (error) {
      throw withoutToken(error, token);
    }
  }

  async #publish(run: Publish, { siteName, siteId, files, onProgress }: PublishRequest): Promise<PublishResult> {
    const byPath: DeploymentFile[] = [];
    const contents = new Map<string, Uint8Array>();
    for (const file of files) {
      const sha = sha1Hex(file.content);
      byPath.push({ file: file.path, sha, size: file.content.byteLength });
      contents.set(sha, file.content);
    }

    const project = siteId ? await this.#existingProject(run, siteId) : await this.#newProject(run, siteName);
    const body = { name: project.name, project: project.id, files: byPath, target: 'production', projectSettings: { framework: null } };

    let deployment = await this.#createDeployment(run, body);
    let uploaded = new Set<string>();
    if ('missing' in deployment) {
      uploaded = new Set(deployment.missing);
      const unknown = deployment.missing.filter((sha) => !contents.has(sha));
      if (unknown.length) throw new PublishError('upload', `Vercel asked for ${unknown.length} file(s) this publish does not have; try publishing again.`);
      onProgress({ type: 'log', text: `Vercel has ${files.length - byPath.filter((f) => uploaded.has(f.sha)).length} of ${files.length} files; uploading ${uploaded.size}.` });
      await this.#upload(run, [...uploaded], contents, byPath);
      deployment = await this.#createDeployment(run, body);
      if ('missing' in deployment) throw new PublishError('upload', `Vercel still lacks ${deployment.missing.length} file(s) after they were uploaded; try publishing again.`);
    } else {
      onProgress({ type: 'log', text: `Vercel already has all ${files.length} files.` });
    }

    const ready = await this.#untilReady(run, deployment);
    const alias = ready.target === 'production' ? ready.alias?.[0] : undefined;
    return {
      siteId: ready.projectId ?? project.id,
      deployId: ready.id,
      url: `https://${alias ?? ready.url}`,
      uploaded: uploaded.size,
      reused: byPath.filter((f) => !uploaded.has(f.sha)).length,
    };
  }

  async #existingProject(run: Publish, siteId: string): Promise<Project> {
    const what = 'looking up the project published to before';
    const answer = await callHost<Project>(run.api, { method: 'GET', path: `/v9/projects/${encodeURIComponent(siteId)}`, what, retry: 'idempotent' });
    if (answer.status === 404) {
      throw new PublishError('not-found', `Vercel has no project ${siteId} for this token: it was deleted, or the token belongs to another account. Publish under a name to create a new one.`, 404);
    }
    if (answer.status !== 200) refuse(answer, what);
    return answer.body;
  }

  async #newProject(run: Publish, name: string): Promise<Project> {
    run.onProgress({ type: 'log', text: `Creating the Vercel project ${name}.` });
    const what = `creating the project ${name}`;
    const created = await callHost<Project>(run.api, { method: 'POST', path: '/v11/projects', json: { name, framework: null }, what, retry: 'refused-only' });
    if (created.status === 200) return created.body;
    if (created.status !== 409) refuse(created, what);
    // A project of this name in this account: taken over only if nothing was ever deployed to it.
    const found = await callHost<Project>(run.api, { method: 'GET', path: `/v9/projects/${encodeURIComponent(name)}`, what: `looking up the project ${name}`, retry: 'idempotent' });
    if (found.status !== 200) refuse(found, `looking up the project ${name}`);
    if (!found.body.latestDeployments?.length && !found.body.targets?.production) {
      run.onProgress({ type: 'log', text: `Using the empty Vercel project ${name} an earlier publish left.` });
      return found.body;
    }
    throw new PublishError('name-taken', `Your Vercel account already has a project named “${name}” with a site on it; publishing would replace that site. Choose another name.`, 409);
  }

  async #createDeployment(run: Publish, body: object): Promise<Deployment | { missing: string[] }> {
    const what = 'creating the deployment';
    const answer = await callHost<Deployment & { error?: { code?: string; missing?: unknown } }>(run.api, { method: 'POST', path: '/v13/deployments', json: body, what, retry: 'refused-only' });
    if (answer.status === 200) return answer.body;
    const error = answer.body.error;
    if (answer.status === 400 && error?.code === 'missing_files' && Array.isArray(error.missing)) return { missing: error.missing.filter((sha): sha is string => typeof sha === 'string') };
    if (answer.status === 404) throw new PublishError('not-found', `Vercel did not find the project while ${what}${hostMessage(answer.body) ? ` (${hostMessage(answer.body)})` : ''}: it may have been deleted. Publish under a name to create a new one.`, 404);
    refuse(answer, what);
  }

  async #upload(run: Publish, shas: string[], contents: Map<string, Uint8Array>, byPath: DeploymentFile[]) {
    const total = shas.length;
    let done = 0;
    let bytes = 0;
    run.onProgress({ type: 'upload', done, total, bytes });
    await inPool(shas, this.#uploadConcurrency, async (sha) => {
      const content = contents.get(sha)!;
      const what = `uploading ${byPath.find((f) => f.sha === sha)?.file ?? sha}`;
      const answer = await callHost(run.api, { method: 'POST', path: '/v2/files', headers: { 'content-length': String(content.byteLength), 'x-vercel-digest': sha }, bytes: content, what, retry: 'idempotent' });
      if (answer.status !== 200) refuse(answer, what, 'upload');
      done += 1;
      bytes += content.byteLength;
      run.onProgress({ type: 'upload', done, total, bytes });
    });
  }

  async #untilReady(run: Publish, created: Deployment): Promise<Deployment> {
    let deployment = created;
    let reported: string | undefined;
    for (;;) {
      const state = deployment.readyState ?? 'QUEUED';
      if (state !== reported) run.onProgress({ type: 'state', state: (reported = state) });
      if (state === 'ERROR' || state === 'CANCELED') {
        const why = deployment.errorMessage || deployment.errorCode || (state === 'CANCELED' ? 'the deployment was canceled' : 'no reason given');
        throw new PublishError('host', `Vercel could not publish the site (${state}): ${why}.`);
      }
      if (deployment.aliasError) {
        throw new PublishError('host', `Vercel published the files but could not give the site its address: ${deployment.aliasError.message ?? deployment.aliasError.code ?? 'no reason given'}.`);
      }
      if (state === 'READY' && deployment.aliasAssigned) return deployment;
      if (Date.now() + this.#pollMs > run.deadline) {
        throw new PublishError('host', `Vercel had not finished the deployment (${state}) after ${Math.round(this.#timeoutMs / 1000)} s. It may still finish: look at the project in Vercel's dashboard, or publish again.`, 504);
      }
      await sleep(this.#pollMs, run.api.signal);
      const what = 'waiting for the deployment';
      const answer = await callHost<Deployment>(run.api, { method: 'GET', path: `/v13/deployments/${encodeURIComponent(created.id)}`, what, retry: 'idempotent' });
      if (answer.status !== 200) refuse(answer, what);
      deployment = answer.body;
    }
  }
}

/** The statuses every call means the same by: the token, Vercel's own failures. */
function refuse(answer: HostAnswer<unknown>, what: string, kind: 'host' | 'upload' = 'host'): never {
  const says = hostMessage(answer.body);
  if (answer.status === 401 || answer.status === 403) {
    throw new PublishError('token', `Vercel refused the token while ${what}${says ? ` (${says})` : ''}: it may be expired, revoked, or lack access to this project. Create a new one at vercel.com/account/tokens and paste it.`, 401);
  }
  throw new PublishError(kind, `Vercel answered ${answer.status} while ${what}${says ? `: ${says}` : ''}.`);
}
