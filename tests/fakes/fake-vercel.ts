// A loopback Vercel: the five REST operations the Vercel client uses, as Vercel's published
// description and its own clients say they behave (tests/fixtures/vercel/contract.json; the
// contract test holds the fake to it: tests/integration/vercel-contract.test.ts). Vercel's state:
// accounts by token, each with its uploaded files by SHA-1 (shared by all its projects) and its
// projects; deployments that go QUEUED → BUILDING → READY and then get their aliases. Its failure
// modes are scripted per test (`faults`). It serves what was deployed, by Host: a production alias
// (`<project>.vercel.app`) serves the project's latest READY production deployment, a deployment's
// own host that deployment. Node reaches them through `fetchSite`; a browser through `browse`
// (`<label>.vercel.localhost:<port>`: Chromium resolves *.localhost to loopback).
import { createHash, randomBytes } from 'node:crypto';
import { createServer, request as httpRequest, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { Exchange, type FieldReads } from './fake-daytona-http';

export type Operation = 'createProject' | 'getProject' | 'uploadFile' | 'createDeployment' | 'getDeployment';

/** A request to the API as the client sent it: what the contract test holds the client to. */
export interface RecordedRequest {
  operation?: Operation;
  method: string;
  path: string;
  query: string[];
  /** Lowercased names. */
  headers: Record<string, string>;
  /** The parsed JSON body, when there is one. */
  json?: unknown;
  bytes: number;
  /** Its connection was cut before its body was read (faults.cutUploads). */
  cut?: true;
}

export interface FakeVercelFaults {
  /** The Nth upload requests (1-based, over the fake's life) lose their connection before an answer. */
  cutUploads: number[];
  /** One answer each, to the next request of the operation: a 500, or a 429 with Retry-After seconds. */
  once: Array<{ operation: Operation; status: 500 | 429; retryAfter?: number }>;
  /** The next `count` API requests (of any operation) answer 429 with Retry-After `retryAfter` seconds. */
  rateLimited: { count: number; retryAfter: number };
  /** The next deployment ends in ERROR with this errorCode and errorMessage. */
  buildError?: { code: string; message: string };
}

export interface FakeDeployment {
  id: string;
  projectId: string;
  name: string;
  /** Its own host, as Vercel gives it: <project>-<hash>-<scope>.vercel.app. */
  url: string;
  /** path → SHA-1 */
  files: Map<string, string>;
  createdAt: number;
  target: 'production' | null;
  readyState: 'QUEUED' | 'BUILDING' | 'READY' | 'ERROR' | 'CANCELED';
  fail?: { code: string; message: string };
  alias: string[];
  aliasAssigned: boolean;
}

export interface FakeProject {
  id: string;
  name: string;
  accountId: string;
  createdAt: number;
  deployments: FakeDeployment[];
  production?: FakeDeployment;
}

interface Account {
  id: string;
  username: string;
  token: string;
  files: Map<string, Buffer>;
  projects: Map<string, FakeProject>;
}

/** Vercel's invalid_project_name rule, as its API words it (contract.json, beyond). */
const PROJECT_NAME = /^[a-z0-9._-]{1,100}$/;
const INVALID_NAME = "Project names can be up to 100 characters long and must be lowercase. They can include letters, digits, and the following characters: '.', '_', '-'. However, they cannot contain the sequence '---'.";
const TYPES: Record<string, string> = { html: 'text/html; charset=utf-8', js: 'text/javascript; charset=utf-8', css: 'text/css; charset=utf-8', json: 'application/json', svg: 'image/svg+xml', png: 'image/png', txt: 'text/plain; charset=utf-8' };

const id = (prefix: string) => `${prefix}_${randomBytes(14).toString('base64url').replace(/[-_]/g, 'x')}`;
const sha1 = (bytes: Buffer) => createHash('sha1').update(bytes).digest('hex');

export class FakeVercel {
  /** The first account's token. */
  readonly token: string;
  readonly faults: FakeVercelFaults = { cutUploads: [], once: [], rateLimited: { count: 0, retryAfter: 1 } };
  /** Every API request, in order. */
  readonly requests: RecordedRequest[] = [];
  /** The body fields and query parameters the fake read of each request (for the contract test). */
  readonly fieldReads: FieldReads[] = [];
  /** Digests stored by an upload, in order (a digest uploaded twice is counted twice). */
  readonly stored: string[] = [];
  url = '';
  port = 0;
  #uploads = 0;
  #server: Server;
  #accounts = new Map<string, Account>();
  /** Production domains: host → the project that holds it. */
  #domains = new Map<string, FakeProject>();

  /** `token`: the first account's token (the secrets test gives a sentinel). */
  constructor(private readonly options: { transitionMs?: number; token?: string } = {}) {
    this.token = this.addAccount('fake-user', options.token);
    this.#server = createServer((req, res) =>
      void this.#handle(req, res).catch((error: unknown) => {
        if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json; charset=utf-8' });
        res.end(JSON.stringify({ error: { code: 'internal_server_error', message: String(error) } }));
      }),
    );
  }

  /** Another account (its own files and projects); returns its token. */
  addAccount(username: string, token = `vc_fake_${randomBytes(18).toString('hex')}`): string {
    this.#accounts.set(token, { id: id('user'), username, token, files: new Map(), projects: new Map() });
    return token;
  }

  async start(port: number): Promise<string> {
    await new Promise<void>((resolve, reject) => {
      this.#server.once('error', reject);
      this.#server.listen(port, '127.0.0.1', resolve);
    });
    this.port = port;
    this.url = `http://127.0.0.1:${port}`;
    return this.url;
  }

  get apiUrl() {
    return this.url;
  }

  async stop() {
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  /** An account's projects by name (the first account's unless a token is given). */
  project(name: string, token = this.token): FakeProject | undefined {
    return [...this.#account(token).projects.values()].find((p) => p.name === name);
  }

  /** A project made as `POST /v11/projects` makes it: no deployment yet. */
  createProject(name: string, token = this.token): FakeProject {
    const account = this.#account(token);
    const project: FakeProject = { id: id('prj'), name, accountId: account.id, createdAt: Date.now(), deployments: [] };
    account.projects.set(project.id, project);
    return project;
  }

  deleteProject(projectId: string, token = this.token) {
    this.#account(token).projects.delete(projectId);
  }

  /** `https://<host>/…` as a browser on this machine reaches it: `http://<label>.vercel.localhost:<port>/…`. */
  browse(url: string): string {
    const { hostname, pathname, search } = new URL(url);
    return `http://${hostname.replace(/\.vercel\.app$/, '.vercel.localhost')}:${this.port}${pathname}${search}`;
  }

  /** GET `path` of a published site (its https URL as the client returned it), through the fake. */
  fetchSite(url: string, path = '/'): Promise<{ status: number; type?: string; body: string }> {
    const host = new URL(url).hostname;
    return new Promise((resolve, reject) => {
      const req = httpRequest({ host: '127.0.0.1', port: this.port, path, headers: { host } }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, type: res.headers['content-type'], body: Buffer.concat(chunks).toString() }));
      });
      req.on('error', reject);
      req.end();
    });
  }

  #account(token: string): Account {
    const account = this.#accounts.get(token);
    if (!account) throw new Error('no such account in the fake');
    return account;
  }

  #scope(account: Account) {
    return `${account.username}-projects`;
  }

  /** Moves a deployment along by the time passed since it was created: QUEUED, BUILDING, READY (or ERROR), then its aliases. */
  #advance(deployment: FakeDeployment, project: FakeProject, account: Account) {
    const step = this.options.transitionMs ?? 30;
    const elapsed = Date.now() - deployment.createdAt;
    if (deployment.readyState === 'ERROR' || deployment.aliasAssigned) return;
    if (elapsed < step) deployment.readyState = 'QUEUED';
    else if (elapsed < 2 * step) deployment.readyState = 'BUILDING';
    else if (deployment.fail) deployment.readyState = 'ERROR';
    else deployment.readyState = 'READY';
    if (deployment.readyState !== 'READY' || elapsed < 3 * step) return;
    if (deployment.target === 'production') {
      // <project>.vercel.app unless another project (another account's) holds it; then <project>-<scope>.vercel.app.
      const preferred = `${project.name}.vercel.app`;
      const holder = this.#domains.get(preferred);
      const scoped = `${project.name}-${this.#scope(account)}.vercel.app`;
      deployment.alias = holder && holder !== project ? [scoped] : [preferred, scoped];
      for (const host of deployment.alias) this.#domains.set(host, project);
      if (!project.production || project.production.createdAt <= deployment.createdAt) project.production = deployment;
    }
    deployment.aliasAssigned = true;
  }

  #advanceAll() {
    for (const account of this.#accounts.values()) for (const project of account.projects.values()) for (const d of project.deployments) this.#advance(d, project, account);
  }

  async #handle(req: IncomingMessage, res: ServerResponse) {
    const host = (req.headers.host ?? '').replace(/:\d+$/, '');
    if (host.endsWith('.vercel.app') || host.endsWith('.vercel.localhost')) return this.#serveSite(host.replace(/\.vercel\.localhost$/, '.vercel.app'), req, res);
    const ex = new Exchange(req, res, this.fieldReads);
    const path = ex.url.pathname;
    const route = ([
      ['POST', /^\/v11\/projects$/, 'createProject'],
      ['GET', /^\/v9\/projects\/[^/]+$/, 'getProject'],
      ['POST', /^\/v2\/files$/, 'uploadFile'],
      ['POST', /^\/v13\/deployments$/, 'createDeployment'],
      ['GET', /^\/v13\/deployments\/[^/]+$/, 'getDeployment'],
    ] as const).find(([method, pattern]) => method === req.method && pattern.test(path));
    const recorded: RecordedRequest = {
      operation: route?.[2],
      method: req.method ?? '',
      path,
      query: [...ex.url.searchParams.keys()],
      headers: Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k.toLowerCase(), String(v)])),
      bytes: 0,
    };
    this.requests.push(recorded);
    if (!route) return this.#error(ex, 404, 'not_found', 'The requested API endpoint was not found.');
    const operation = route[2];
    if (operation === 'uploadFile' && this.faults.cutUploads.includes(++this.#uploads)) {
      recorded.cut = true;
      req.socket.destroy();
      return;
    }
    const body = req.method === 'POST' ? await ex.bytes() : Buffer.alloc(0);
    recorded.bytes = body.length;
    if (/json/.test(req.headers['content-type'] ?? '') && body.length) recorded.json = JSON.parse(body.toString());

    const auth = req.headers.authorization ?? '';
    if (!auth) return this.#error(ex, 403, 'forbidden', 'The request is missing an authentication token', { missingToken: true });
    const account = this.#accounts.get(auth.replace(/^Bearer\s+/i, ''));
    if (!/^Bearer\s/i.test(auth) || !account) return this.#error(ex, 403, 'forbidden', 'Not authorized', { invalidToken: true });

    if (this.faults.rateLimited.count > 0) {
      this.faults.rateLimited.count -= 1;
      return this.#rateLimited(ex, this.faults.rateLimited.retryAfter);
    }
    const once = this.faults.once.findIndex((f) => f.operation === operation);
    if (once >= 0) {
      const [fault] = this.faults.once.splice(once, 1);
      if (fault.status === 429) return this.#rateLimited(ex, fault.retryAfter ?? 1);
      return this.#error(ex, 500, 'internal_server_error', 'An unexpected internal error occurred');
    }
    switch (operation) {
      case 'createProject':
        return this.#createProject(ex, account, body);
      case 'getProject':
        return this.#getProject(ex, account, decodeURIComponent(path.split('/').pop()!));
      case 'uploadFile':
        return this.#uploadFile(ex, account, body);
      case 'createDeployment':
        return this.#createDeployment(ex, account, body);
      case 'getDeployment':
        return this.#getDeployment(ex, account, decodeURIComponent(path.split('/').pop()!));
    }
  }

  /** Vercel's error body (vercel.com/docs/rest-api/errors): `{error: {code, message, …}}`. */
  #error(ex: Exchange, status: number, code: string, message: string, more: Record<string, unknown> = {}, headers: Record<string, string> = {}) {
    ex.send(status, { error: { code, message, ...more } }, headers);
  }

  #rateLimited(ex: Exchange, retryAfter: number) {
    const reset = Date.now() + retryAfter * 1000;
    this.#error(ex, 429, 'rate_limited', `The rate limit of 100 exceeded for '${ex.record.path}'. Try again in ${retryAfter} seconds`, { limit: { remaining: 0, reset: Math.ceil(reset / 1000), resetMs: reset, total: 100 } }, { 'retry-after': String(retryAfter) });
  }

  #find(account: Account, idOrName: string) {
    return account.projects.get(idOrName) ?? [...account.projects.values()].find((p) => p.name === idOrName);
  }

  #createProject(ex: Exchange, account: Account, bytes: Buffer) {
    const body = ex.parse<{ name?: unknown; framework?: unknown }>(bytes.toString());
    const name = body.name;
    if (typeof name !== 'string' || !PROJECT_NAME.test(name) || name.includes('---')) return this.#error(ex, 400, 'invalid_project_name', INVALID_NAME);
    if (body.framework !== undefined && body.framework !== null && typeof body.framework !== 'string') return this.#error(ex, 400, 'bad_request', 'Invalid request: `framework` should be a string or null.');
    if (this.#find(account, name)) return this.#error(ex, 409, 'conflict', 'A project with the provided name already exists.');
    ex.send(200, this.#projectJson(this.createProject(name, account.token), account));
  }

  #getProject(ex: Exchange, account: Account, idOrName: string) {
    const project = this.#find(account, idOrName);
    if (!project) return this.#error(ex, 404, 'not_found', 'Project not found');
    for (const d of project.deployments) this.#advance(d, project, account);
    ex.send(200, this.#projectJson(project, account));
  }

  #uploadFile(ex: Exchange, account: Account, bytes: Buffer) {
    const headers = ex.req.headers;
    const digest = String(headers['x-vercel-digest'] ?? headers['x-now-digest'] ?? '');
    const size = Number(headers['content-length'] ?? headers['x-now-size']);
    if (!/^[0-9a-f]{40}$/.test(digest)) return this.#error(ex, 400, 'bad_request', 'One of the provided values in the headers is invalid');
    if (size !== bytes.length) return this.#error(ex, 400, 'bad_request', 'File size is not valid');
    if (sha1(bytes) !== digest) return this.#error(ex, 400, 'bad_request', 'Digest is not valid');
    account.files.set(digest, bytes);
    this.stored.push(digest);
    ex.send(200, {});
  }

  #createDeployment(ex: Exchange, account: Account, bytes: Buffer) {
    const body = ex.parse<{ name?: unknown; project?: unknown; files?: unknown; target?: unknown; projectSettings?: unknown }>(bytes.toString());
    const { name, project: projectRef, target, projectSettings } = body;
    const files = body.files;
    if (typeof name !== 'string') return this.#error(ex, 400, 'bad_request', 'Invalid request: missing required property `name`.');
    let project: FakeProject | undefined;
    if (projectRef !== undefined) {
      project = typeof projectRef === 'string' ? this.#find(account, projectRef) : undefined;
      if (!project) return this.#error(ex, 404, 'not_found', 'Project not found');
    } else {
      if (!PROJECT_NAME.test(name) || name.includes('---')) return this.#error(ex, 400, 'invalid_project_name', INVALID_NAME);
      project = this.#find(account, name) ?? this.createProject(name, account.token);
    }
    if (!project.deployments.length && (typeof projectSettings !== 'object' || projectSettings === null)) {
      return this.#error(ex, 400, 'missing_project_settings', 'The `projectSettings` object is required for new projects, but is missing in the deployment payload');
    }
    if (!Array.isArray(files)) return this.#error(ex, 400, 'bad_request', 'Invalid request: `files` should be an array.');
    const byPath = new Map<string, string>();
    for (const file of files as Array<{ file?: unknown; sha?: unknown; size?: unknown; data?: unknown }>) {
      if (typeof file?.file !== 'string' || typeof file.sha !== 'string') return this.#error(ex, 400, 'bad_request', 'Invalid request: each of `files` needs `file` and `sha` (this fake takes no inlined files).');
      byPath.set(file.file, file.sha);
    }
    const missing = [...new Set([...byPath.values()].filter((sha) => !account.files.has(sha)))];
    if (missing.length) return this.#error(ex, 400, 'missing_files', 'Missing files', { missing });
    const fail = this.faults.buildError;
    this.faults.buildError = undefined;
    const deployment: FakeDeployment = {
      id: id('dpl'),
      projectId: project.id,
      name: project.name,
      url: `${project.name}-${randomBytes(5).toString('hex').slice(0, 9)}-${this.#scope(account)}.vercel.app`,
      files: byPath,
      createdAt: Date.now(),
      target: target === 'production' ? 'production' : null,
      readyState: 'QUEUED',
      fail,
      alias: [],
      aliasAssigned: false,
    };
    project.deployments.push(deployment);
    ex.send(200, this.#deploymentJson(deployment, account));
  }

  #getDeployment(ex: Exchange, account: Account, idOrUrl: string) {
    for (const project of account.projects.values()) {
      const deployment = project.deployments.find((d) => d.id === idOrUrl || d.url === idOrUrl);
      if (!deployment) continue;
      this.#advance(deployment, project, account);
      return ex.send(200, this.#deploymentJson(deployment, account));
    }
    this.#error(ex, 404, 'not_found', 'The deployment was not found');
  }

  #deploymentJson(d: FakeDeployment, account: Account) {
    return {
      id: d.id,
      name: d.name,
      url: d.url,
      projectId: d.projectId,
      readyState: d.readyState,
      status: d.readyState,
      target: d.target,
      alias: d.alias,
      aliasAssigned: d.aliasAssigned,
      aliasError: null,
      ...(d.readyState === 'ERROR' && d.fail ? { errorCode: d.fail.code, errorMessage: d.fail.message } : {}),
      createdAt: d.createdAt,
      bootedAt: d.createdAt,
      buildingAt: d.createdAt,
      buildSkipped: false,
      build: { env: [] },
      env: [],
      inspectorUrl: `https://vercel.com/${this.#scope(account)}/${d.name}/${d.id.slice(4)}`,
      isInConcurrentBuildsQueue: false,
      isInSystemBuildsQueue: false,
      projectSettings: { framework: null },
      creator: { uid: account.id, username: account.username },
      public: false,
      type: 'LAMBDAS',
      meta: {},
      regions: ['iad1'],
      version: 2,
      plan: 'hobby',
      createdIn: 'sfo1',
      ownerId: account.id,
      routes: null,
    };
  }

  #projectJson(p: FakeProject, account: Account) {
    const latest = p.deployments.at(-1);
    const summary = (d: FakeDeployment) => ({
      id: d.id,
      alias: d.alias,
      aliasAssigned: d.aliasAssigned,
      createdAt: d.createdAt,
      createdIn: 'sfo1',
      creator: { uid: account.id, username: account.username },
      deploymentHostname: d.url.replace(/\.vercel\.app$/, ''),
      name: d.name,
      plan: 'hobby',
      private: true,
      readyState: d.readyState,
      target: d.target,
      type: 'LAMBDAS',
      url: d.url,
      userId: account.id,
    });
    const regions = { functionDefaultRegions: ['iad1'] };
    return {
      accountId: account.id,
      directoryListing: false,
      id: p.id,
      name: p.name,
      nodeVersion: '22.x',
      framework: null,
      resourceConfig: regions,
      defaultResourceConfig: regions,
      latestDeployments: latest ? [summary(latest)] : [],
      targets: p.production ? { production: summary(p.production) } : {},
    };
  }

  #serveSite(host: string, req: IncomingMessage, res: ServerResponse) {
    this.#advanceAll();
    let deployment = this.#domains.get(host)?.production;
    let account: Account | undefined;
    for (const a of this.#accounts.values()) for (const p of a.projects.values()) for (const d of p.deployments) if (d.url === host && d.readyState === 'READY') [deployment, account] = [d, a];
    if (deployment && !account) account = [...this.#accounts.values()].find((a) => a.projects.has(deployment!.projectId));
    const notFound = () => {
      res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8', 'x-vercel-error': deployment ? 'NOT_FOUND' : 'DEPLOYMENT_NOT_FOUND' });
      res.end(deployment ? 'The page could not be found\n\nNOT_FOUND\n' : 'The deployment could not be found on Vercel.\n\nDEPLOYMENT_NOT_FOUND\n');
    };
    if (!deployment || !account || (req.method !== 'GET' && req.method !== 'HEAD')) return notFound();
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://site').pathname).replace(/^\/+/, '');
    const candidates = path === '' || path.endsWith('/') ? [`${path}index.html`] : [path, `${path}/index.html`];
    const found = candidates.map((p) => deployment!.files.get(p)).find(Boolean);
    const content = found ? account.files.get(found) : undefined;
    if (!content) return notFound();
    const served = candidates.find((p) => deployment!.files.get(p) === found)!;
    res.writeHead(200, { 'content-type': TYPES[served.split('.').pop() ?? ''] ?? 'application/octet-stream', 'x-vercel-id': deployment.id });
    res.end(req.method === 'HEAD' ? undefined : content);
  }
}
