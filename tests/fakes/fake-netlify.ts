// A loopback Netlify: the four operations of its API that a file-digest deploy uses, in the shapes
// and with the statuses of Netlify's published document (tests/fixtures/netlify/contract.json, from
// github.com/netlify/open-api swagger.yml; what lies beyond the document is there too, with sources),
// and the sites it publishes, served. tests/integration/netlify-contract.test.ts holds it to the fixture.
//
//   POST /api/v1/sites                               createSite: names unique (422 as Netlify words it)
//   POST /api/v1/sites/{site_id}/deploys             createSiteDeploy: {files: {"/path": sha1}, async}
//   GET  /api/v1/deploys/{deploy_id}                 getDeploy: preparing → prepared → uploading → uploaded → processing → ready
//   PUT  /api/v1/deploys/{deploy_id}/files/{path}    uploadDeployFile: application/octet-stream
//   GET  /sites/<name>/<path>, or Host <name>.netlify.localhost: the site's latest ready deploy
//
// `required` lists only the digests Netlify does not hold yet (from any deploy, of any site), so a
// second publish asks only for what changed. Faults are set per test (see `faults`).
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Exchange, type FieldReads } from './fake-daytona-http';

export type UploadFault = 'cut' | 500 | 429;

export interface NetlifyFaults {
  /** By upload attempt (counted from 1 over the fake's life, see `uploadAttempts`): cut the connection unanswered, or answer 500 or 429. */
  uploads: Map<number, UploadFault>;
  /** The next N API requests (after the token check) answer 429. */
  rateLimited: number;
  /** A 429's X-RateLimit-Reset is this many seconds from now (a unix time, as Netlify documents). */
  rateLimitResetSeconds: number;
  /** Sent with a 429 besides the X-RateLimit-* headers. Netlify documents no Retry-After: unset, none is sent. */
  retryAfterSeconds?: number;
  /** The next deploy to finish ends in `error` with this error_message instead of `ready`. */
  deployError?: string;
  /** A 401's body: the document's `error` JSON, or plain text (what netlify/cli issue #6736 suggests Netlify sends). */
  unauthorizedBody: 'json' | 'text';
  /** Each upload is answered this much later (to see how many are under way at once). */
  uploadDelayMs: number;
}

export interface FakeSite {
  id: string;
  name: string;
  createdAt: string;
  /** The deploy served: the latest that reached `ready`. */
  live?: FakeDeploy;
  deleted: boolean;
}

export interface FakeDeploy {
  id: string;
  site: FakeSite;
  state: string;
  /** "/path" → SHA-1, as the deploy was created. */
  files: Map<string, string>;
  required: string[];
  received: Set<string>;
  errorMessage?: string;
  createdAt: string;
  updatedAt: string;
  publishedAt?: string;
}

/** One request as it arrived: for tests of what the client sends. */
export interface ReceivedRequest {
  method: string;
  /** The raw path, as encoded on the wire. */
  path: string;
  query: string[];
  contentType?: string;
  authorization?: string;
  body: Buffer;
  /** Date.now() when it arrived. */
  at: number;
}

const API = '/api/v1';
const HEX40 = /^[0-9a-f]{40}$/;

export class FakeNetlify {
  readonly token: string;
  readonly sites = new Map<string, FakeSite>();
  readonly deploys = new Map<string, FakeDeploy>();
  /**
   * Every file content held, by SHA-1, whatever site it came with: what `required` leaves out.
   * Netlify keeps contents by checksum across sites ("we don't re-upload (or if you use that API
   * path, request you to upload) files whose checksums we've already got in storage on any site",
   * a Netlify answer at community.netlify.com/t/deploy-only-specific-files/16482).
   */
  readonly blobs = new Map<string, Buffer>();
  readonly faults: NetlifyFaults = { uploads: new Map(), rateLimited: 0, rateLimitResetSeconds: 1, unauthorizedBody: 'json', uploadDelayMs: 0 };
  /** Every API request, as it arrived. */
  readonly requests: ReceivedRequest[] = [];
  /** The request body fields and query parameters the fake read, per request (the contract test checks them). */
  readonly fieldReads: FieldReads[] = [];
  /** Uploads that were stored, in order. */
  readonly uploads: { deployId: string; path: string; sha: string }[] = [];
  uploadAttempts = 0;
  /** The most uploads under way at once. */
  maxConcurrentUploads = 0;
  #concurrentUploads = 0;
  /** Between two states of a deploy that Netlify moves on by itself. */
  transitionMs: number;
  /** How the sites' URLs are given: /sites/<name>/ on this server, or http://<name>.netlify.localhost:<port>/ (browsers resolve *.localhost to loopback). */
  siteUrls: 'path' | 'subdomain';
  url = '';
  #server: Server;
  #timers = new Set<NodeJS.Timeout>();

  constructor({ transitionMs = 20, siteUrls = 'path' as 'path' | 'subdomain', token = `nfp_fake${randomBytes(16).toString('hex')}` } = {}) {
    this.token = token;
    this.transitionMs = transitionMs;
    this.siteUrls = siteUrls;
    this.#server = createServer((req, res) => void this.#handle(req, res).catch((error) => {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
      res.end(String(error));
    }));
  }

  async start(port = 0): Promise<string> {
    await new Promise<void>((resolve) => this.#server.listen(port, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`;
    return this.url;
  }

  async stop() {
    for (const timer of this.#timers) clearTimeout(timer);
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  /** A site made outside the client (another account's, say): its name is taken. */
  createSite(name: string): FakeSite {
    const site: FakeSite = { id: randomUUID(), name, createdAt: new Date().toISOString(), deleted: false };
    this.sites.set(site.id, site);
    return site;
  }

  /** Deleted in Netlify's UI: its id answers 404, its name is free again, it is no longer served. */
  deleteSite(id: string) {
    const site = this.sites.get(id);
    if (site) site.deleted = true;
  }

  siteUrl(site: FakeSite, label = site.name): string {
    const port = new URL(this.url).port;
    return this.siteUrls === 'subdomain' ? `http://${label}.netlify.localhost:${port}/` : `${this.url}/sites/${label}/`;
  }

  /** A file of a site as its URL serves it (what a visitor gets). */
  async visit(site: string, path = '/'): Promise<{ status: number; body: string; contentType: string | null }> {
    const res = await fetch(new URL(path.replace(/^\//, ''), `${this.url}/sites/${site}/`));
    return { status: res.status, body: await res.text(), contentType: res.headers.get('content-type') };
  }

  async #handle(req: IncomingMessage, res: ServerResponse) {
    const host = /^([a-z0-9-]+)\.netlify\.localhost(:\d+)?$/i.exec(req.headers.host ?? '')?.[1];
    const url = new URL(req.url ?? '/', 'http://fake');
    if (host) return this.#serve(res, host, url.pathname);
    const served = /^\/sites\/([^/]+)(\/.*)?$/.exec(url.pathname);
    if (served) {
      if (!served[2]) return void res.writeHead(301, { location: `${url.pathname}/` }).end();
      return this.#serve(res, served[1], served[2]);
    }
    const ex = new Exchange(req, res, this.fieldReads);
    const body = await ex.bytes();
    this.requests.push({ method: ex.record.method, path: (req.url ?? '/').split('?')[0], query: [...url.searchParams.keys()], contentType: req.headers['content-type'], authorization: req.headers.authorization, body, at: Date.now() });
    if (!url.pathname.startsWith(`${API}/`)) return error(ex, 404, 'Not Found');
    if (req.headers.authorization !== `Bearer ${this.token}`) {
      if (this.faults.unauthorizedBody === 'text') return ex.sendRaw(401, { 'content-type': 'text/plain; charset=utf-8' }, 'Unauthorized');
      return error(ex, 401, 'Access Denied');
    }
    if (this.faults.rateLimited > 0) {
      this.faults.rateLimited -= 1;
      return this.#rateLimit(ex);
    }
    const path = url.pathname.slice(API.length);
    const method = ex.record.method;
    let m: RegExpExecArray | null;
    if (method === 'POST' && path === '/sites') return this.#createSite(ex, body);
    if (method === 'POST' && (m = /^\/sites\/([^/]+)\/deploys$/.exec(path))) return this.#createDeploy(ex, decodeURIComponent(m[1]), body);
    if (method === 'GET' && (m = /^\/deploys\/([^/]+)$/.exec(path))) return this.#getDeploy(ex, decodeURIComponent(m[1]));
    if (method === 'PUT' && (m = /^\/deploys\/([^/]+)\/files\/(.+)$/.exec(path))) {
      this.maxConcurrentUploads = Math.max(this.maxConcurrentUploads, ++this.#concurrentUploads);
      try {
        if (this.faults.uploadDelayMs) await new Promise((resolve) => setTimeout(resolve, this.faults.uploadDelayMs));
        return this.#upload(ex, decodeURIComponent(m[1]), m[2], body);
      } finally {
        this.#concurrentUploads -= 1;
      }
    }
    return error(ex, 404, 'Not Found');
  }

  #rateLimit(ex: Exchange) {
    const headers: Record<string, string> = {
      'x-ratelimit-limit': '500',
      'x-ratelimit-remaining': '0',
      'x-ratelimit-reset': String(Math.ceil(Date.now() / 1000) + this.faults.rateLimitResetSeconds),
    };
    if (this.faults.retryAfterSeconds !== undefined) headers['retry-after'] = String(this.faults.retryAfterSeconds);
    error(ex, 429, 'Too Many Requests', headers);
  }

  #createSite(ex: Exchange, body: Buffer) {
    const setup = ex.parse<{ name?: unknown }>(body.toString());
    const name = typeof setup.name === 'string' && setup.name ? setup.name.toLowerCase() : `fake-${randomBytes(4).toString('hex')}`;
    // Names are unique across all of Netlify; the body is Netlify's, not the document's `error`.
    if ([...this.sites.values()].some((site) => !site.deleted && site.name === name)) return ex.send(422, { errors: { subdomain: ['must be unique'] } });
    ex.send(201, this.#siteJson(this.createSite(name)));
  }

  #createDeploy(ex: Exchange, siteId: string, body: Buffer) {
    const site = this.sites.get(siteId);
    if (!site || site.deleted) return error(ex, 404, 'Not Found');
    const request = ex.parse<{ files?: unknown; async?: unknown; draft?: unknown }>(body.toString());
    const files = request.files;
    if (!files || typeof files !== 'object' || Object.values(files).some((sha) => typeof sha !== 'string' || !HEX40.test(sha))) return error(ex, 422, 'files must map paths to SHA1 digests');
    const now = new Date().toISOString();
    const deploy: FakeDeploy = { id: randomBytes(12).toString('hex'), site, state: 'preparing', files: new Map(Object.entries(files as Record<string, string>)), required: [], received: new Set(), createdAt: now, updatedAt: now };
    this.deploys.set(deploy.id, deploy);
    // async: answered while Netlify is still diffing, `required` empty until it is done (a client
    // that reads it then uploads nothing and waits forever); otherwise diffed before the answer.
    if (request.async === true) this.#later(() => this.#diff(deploy));
    else this.#diff(deploy);
    ex.send(200, this.#deployJson(deploy));
  }

  #getDeploy(ex: Exchange, id: string) {
    const deploy = this.deploys.get(id);
    if (!deploy || deploy.site.deleted) return error(ex, 404, 'Not Found');
    ex.send(200, this.#deployJson(deploy));
  }

  #upload(ex: Exchange, deployId: string, rawPath: string, body: Buffer) {
    this.uploadAttempts += 1;
    const fault = this.faults.uploads.get(this.uploadAttempts);
    if (fault === 'cut') return void ex.req.socket.destroy();
    if (fault === 500) return error(ex, 500, 'Internal Server Error');
    if (fault === 429) return this.#rateLimit(ex);
    const deploy = this.deploys.get(deployId);
    if (!deploy || deploy.site.deleted) return error(ex, 404, 'Not Found');
    const path = `/${rawPath.split('/').map(decodeURIComponent).join('/')}`;
    const sha = deploy.files.get(path);
    if (!sha) return error(ex, 404, 'Not Found');
    if (!['prepared', 'uploading', 'uploaded'].includes(deploy.state)) return error(ex, 422, `Deploy is ${deploy.state}: it takes no files`);
    if (createHash('sha1').update(body).digest('hex') !== sha) return error(ex, 422, `The content of ${path} does not match its digest`);
    this.blobs.set(sha, body);
    deploy.received.add(sha);
    this.uploads.push({ deployId, path, sha });
    if (deploy.state === 'prepared') this.#set(deploy, 'uploading');
    if (deploy.state === 'uploading' && deploy.required.every((digest) => deploy.received.has(digest))) {
      this.#set(deploy, 'uploaded');
      this.#later(() => this.#process(deploy));
    }
    ex.send(200, { id: sha, path, sha, mime_type: mimeType(path), size: body.length });
  }

  /** Netlify compares the digests with what the site holds: `required` is what it lacks. */
  #diff(deploy: FakeDeploy) {
    deploy.required = [...new Set(deploy.files.values())].filter((sha) => !this.blobs.has(sha));
    this.#set(deploy, 'prepared');
    if (!deploy.required.length) this.#later(() => this.#process(deploy));
  }

  #process(deploy: FakeDeploy) {
    this.#set(deploy, 'processing');
    this.#later(() => {
      const message = this.faults.deployError;
      if (message !== undefined) {
        this.faults.deployError = undefined;
        deploy.errorMessage = message;
        return this.#set(deploy, 'error');
      }
      deploy.publishedAt = new Date().toISOString();
      deploy.site.live = deploy;
      this.#set(deploy, 'ready');
    });
  }

  #set(deploy: FakeDeploy, state: string) {
    deploy.state = state;
    deploy.updatedAt = new Date().toISOString();
  }

  #later(step: () => void) {
    const timer = setTimeout(() => {
      this.#timers.delete(timer);
      step();
    }, this.transitionMs);
    this.#timers.add(timer);
  }

  /** A served site: `<name>` its latest ready deploy, `<deploy id>--<name>` that deploy (Netlify's permalinks). */
  #serve(res: ServerResponse, label: string, pathname: string) {
    const [, deployId, name] = /^(?:([0-9a-f]+)--)?(.+)$/.exec(label)!;
    const site = [...this.sites.values()].find((s) => !s.deleted && s.name === name);
    const deploy = deployId ? this.deploys.get(deployId) : site?.live;
    let path = decodeURIComponent(pathname);
    if (path.endsWith('/')) path += 'index.html';
    const sha = site && deploy?.site === site && deploy.state === 'ready' ? deploy.files.get(path) : undefined;
    const bytes = sha ? this.blobs.get(sha) : undefined;
    if (!bytes) return void res.writeHead(404, { 'content-type': 'text/html; charset=utf-8' }).end('<h1>Page not found</h1>');
    res.writeHead(200, { 'content-type': mimeType(path) }).end(bytes);
  }

  #siteJson(site: FakeSite) {
    const url = this.siteUrl(site);
    const json: Record<string, unknown> = { id: site.id, name: site.name, state: 'current', url, ssl_url: url, admin_url: `https://app.netlify.com/sites/${site.name}`, created_at: site.createdAt, updated_at: site.createdAt, ssl: true };
    if (site.live) json.published_deploy = this.#deployJson(site.live);
    return json;
  }

  #deployJson(deploy: FakeDeploy) {
    const url = this.siteUrl(deploy.site);
    const permalink = this.siteUrl(deploy.site, `${deploy.id}--${deploy.site.name}`);
    const json: Record<string, unknown> = {
      id: deploy.id,
      site_id: deploy.site.id,
      state: deploy.state,
      name: deploy.site.name,
      url,
      ssl_url: url,
      deploy_url: permalink,
      deploy_ssl_url: permalink,
      required: deploy.required,
      draft: false,
      created_at: deploy.createdAt,
      updated_at: deploy.updatedAt,
    };
    if (deploy.publishedAt) json.published_at = deploy.publishedAt;
    if (deploy.errorMessage !== undefined) json.error_message = deploy.errorMessage;
    return json;
  }
}

/** The document's `error` body: {code, message}. */
function error(ex: Exchange, status: number, message: string, headers: Record<string, string> = {}) {
  ex.send(status, { code: status, message }, headers);
}

const TYPES: Record<string, string> = { html: 'text/html; charset=utf-8', css: 'text/css; charset=utf-8', js: 'text/javascript; charset=utf-8', json: 'application/json', svg: 'image/svg+xml', png: 'image/png', txt: 'text/plain; charset=utf-8' };

function mimeType(path: string): string {
  return TYPES[/\.([^./]+)$/.exec(path)?.[1] ?? ''] ?? 'application/octet-stream';
}
