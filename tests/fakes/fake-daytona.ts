// A loopback fake of the Daytona API and toolbox, driven in tests by the real @daytonaio/sdk, and
// held to Daytona's published OpenAPI descriptions by tests/integration/daytona-contract.test.ts
// (tests/fixtures/daytona/contract.json). Served here:
//   /api/sandbox… (api.json: create, list by labels, get, delete, labels, stop, start, preview-url),
//   /toolbox/<id>/… (toolbox.json: fake-daytona-toolbox.ts),
//   /preview/<id>/<port>/… (stands in for Daytona's proxy host <port>-<id>.<proxy domain>).
// Sandboxes keep state as Daytona does (fake-daytona-lifecycle.ts); 429s name their throttler as
// Daytona's API does (@nestjs/throttler 6.4: `Retry-After-<throttler>`, apps/api/src/app.module.ts).
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { Exchange, type FieldReads } from './fake-daytona-http';
import { ApiError, SandboxLifecycle, type CreateRequest, type FakeSandbox, type Timing } from './fake-daytona-lifecycle';
import { defaultScript, FakeToolbox, type CommandScript } from './fake-daytona-toolbox';

export { defaultScript, type CommandScript, type FakeSandbox };

export interface Faults {
  /** The next N sandbox creations answer 500. */
  createFailures: number;
  /** The next N control-plane requests answer 429, with their throttler's Retry-After-<name> (seconds). */
  rateLimited: number;
  retryAfterSeconds: number;
  /** New sandboxes stay in state "creating" (the SDK waits, then times out). */
  createHangs: boolean;
  /** The log WebSocket fails (its connection is reset), so clients must poll. */
  refuseLogSocket: boolean;
}

const NO_FAULTS: Faults = { createFailures: 0, rateLimited: 0, retryAfterSeconds: 0, createHangs: false, refuseLogSocket: false };

/** Which of the API's named throttlers counts a request (sandbox.controller.ts: @ThrottlerScope). */
function throttlerOf(method: string, path: string) {
  if (method === 'POST' && path === '/api/sandbox') return 'sandbox-create';
  if (/^\/api\/sandbox\/[^/]+(\/(start|stop))?$/.test(path) && method !== 'GET' && method !== 'PUT') return 'sandbox-lifecycle';
  return 'authenticated';
}

export class FakeDaytona {
  readonly requests: Array<{ method: string; path: string; auth?: string }> = [];
  /** The request fields and query parameters the fake read, per request (for the contract test). */
  readonly fieldReads: FieldReads[] = [];
  /** Bodies of sandbox creations, as sent (what would end up in a sandbox's environment and labels). */
  readonly bodies: string[] = [];
  apiKey = 'dtn-fake-key';
  /** Open preview WebSockets (an app's HMR), by sandbox id: told "update" whenever files are uploaded. */
  readonly previewSockets = new Map<string, Set<WebSocket>>();
  faults: Faults = { ...NO_FAULTS };
  readonly lifecycle: SandboxLifecycle;
  /** Called before each toolbox call is answered (a test changes the sandbox's state at that moment). */
  beforeToolbox?: (sandbox: FakeSandbox) => void;
  readonly #toolbox: FakeToolbox;
  #server: Server;
  #wss = new WebSocketServer({ noServer: true });
  #base = '';

  constructor(timing: Partial<Timing> = {}) {
    this.#toolbox = new FakeToolbox(this.#wss, () => this.faults.refuseLogSocket);
    this.lifecycle = new SandboxLifecycle((sandbox) => this.#toolbox.endAll(sandbox), () => this.faults.createHangs);
    this.lifecycle.timing = { ...this.lifecycle.timing, ...timing };
    this.#server = createServer((req, res) => void this.#handle(req, res));
    this.#server.on('upgrade', (req, socket, head) => this.#upgrade(req, socket, head));
  }

  get sandboxes(): Map<string, FakeSandbox> {
    return this.lifecycle.sandboxes;
  }

  get onCommand() {
    return this.#toolbox.onCommand;
  }

  set onCommand(script: (command: string, sandbox: FakeSandbox) => CommandScript) {
    this.#toolbox.onCommand = script;
  }

  get apiUrl() {
    return `${this.#base}/api`;
  }

  async start(port = 0) {
    await new Promise<void>((resolve) => this.#server.listen(port, '127.0.0.1', resolve));
    this.#base = `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`;
    this.lifecycle.startSweeping();
    return this.apiUrl;
  }

  async stop() {
    this.lifecycle.close();
    for (const sandbox of this.sandboxes.values()) this.#toolbox.endAll(sandbox);
    for (const client of this.#wss.clients) client.terminate();
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  /** Sandboxes that are neither destroyed nor being destroyed (what a test must leave at zero). */
  get live() {
    return [...this.sandboxes.values()].filter((s) => s.state !== 'destroyed' && s.desiredState !== 'destroyed').length;
  }

  // --- HTTP ----------------------------------------------------------------------------------

  async #handle(req: IncomingMessage, res: ServerResponse) {
    const path = new URL(req.url ?? '/', 'http://fake').pathname;
    this.requests.push({ method: req.method ?? '', path, auth: req.headers.authorization });
    const x = new Exchange(req, res, this.fieldReads);
    try {
      if (path.startsWith('/preview/')) return this.#preview(x, path);
      if (path.startsWith('/toolbox/')) return await this.#toolboxRequest(x, path);
      if (req.headers.authorization !== `Bearer ${this.apiKey}`) return x.apiError(401, 'Unauthorized');
      // The SDK's event socket (socket.io, not an OpenAPI operation): absent here, so the SDK polls.
      if (path.startsWith('/api/socket.io')) return x.apiError(404, `Cannot ${req.method} ${path}`);
      if (this.faults.rateLimited > 0) {
        this.faults.rateLimited -= 1;
        const name = throttlerOf(x.record.method, path);
        const seconds = String(this.faults.retryAfterSeconds);
        return x.apiError(429, 'ThrottlerException: Too Many Requests', {
          [`Retry-After-${name}`]: seconds,
          [`X-RateLimit-Limit-${name}`]: '100',
          [`X-RateLimit-Remaining-${name}`]: '0',
          [`X-RateLimit-Reset-${name}`]: seconds,
        });
      }
      await this.#api(x, path);
    } catch (error) {
      if (error instanceof ApiError) return x.apiError(error.status, error.message);
      if (!res.headersSent) x.apiError(500, 'An unexpected error occurred.');
    }
  }

  async #api(x: Exchange, path: string) {
    const { method } = x.record;
    const { lifecycle } = this;
    if (method === 'POST' && path === '/api/sandbox') {
      const raw = (await x.bytes()).toString();
      this.bodies.push(raw);
      if (this.faults.createFailures > 0) {
        this.faults.createFailures -= 1;
        return x.apiError(500, 'Internal error while creating the sandbox');
      }
      const sandbox = lifecycle.create(x.parse<CreateRequest>(raw));
      // From a snapshot the API waits (up to 30 s) for the sandbox to start; from an image it answers at once.
      if (!sandbox.dockerfile) await lifecycle.settled(sandbox, lifecycle.timing.createWaitMs);
      return x.send(200, this.#dto(sandbox));
    }
    if (method === 'GET' && path === '/api/sandbox') {
      x.query('limit');
      x.query('cursor');
      const labels = JSON.parse(x.query('labels') ?? '{}') as Record<string, string>;
      const items = [...this.sandboxes.values()]
        .filter((s) => s.state !== 'destroyed' && Object.entries(labels).every(([k, v]) => s.labels[k] === v))
        .map((s) => this.#listItem(s));
      return x.send(200, { items, nextCursor: null });
    }
    const m = /^\/api\/sandbox\/([^/]+)(\/.*)?$/.exec(path);
    if (!m) return x.apiError(404, `Cannot ${method} ${path}`);
    const sandbox = lifecycle.find(decodeURIComponent(m[1]));
    const rest = m[2] ?? '';
    if (rest === '' && method === 'GET') return x.send(200, this.#dto(sandbox));
    if (rest === '' && method === 'DELETE') {
      lifecycle.destroy(sandbox);
      return x.send(200, this.#dto(sandbox));
    }
    if (rest === '/labels' && method === 'PUT') {
      sandbox.labels = (await x.json<{ labels: Record<string, string> }>()).labels;
      return x.send(200, { labels: sandbox.labels });
    }
    if (rest === '/stop' && method === 'POST') {
      x.query('force');
      lifecycle.stop(sandbox);
      return x.send(200, this.#dto(sandbox));
    }
    if (rest === '/start' && method === 'POST') {
      lifecycle.start(sandbox);
      return x.send(200, this.#dto(sandbox));
    }
    const port = /^\/ports\/(\d+)\/preview-url$/.exec(rest);
    if (port && method === 'GET') return x.send(200, { sandboxId: sandbox.id, url: `${this.#base}/preview/${sandbox.id}/${port[1]}`, token: sandbox.previewToken });
    x.apiError(404, `Cannot ${method} ${path}`);
  }

  async #toolboxRequest(x: Exchange, path: string) {
    const [, , id, ...rest] = path.split('/');
    if (x.req.headers.authorization !== `Bearer ${this.apiKey}`) {
      return x.toolboxError(401, 'unauthorized: missing authentication: provide a preview access token (via header, query parameter, or cookie) or use an API key or JWT', 'UNAUTHORIZED');
    }
    const sandbox = this.sandboxes.get(id);
    if (!sandbox || sandbox.state === 'destroyed') return x.toolboxError(404, `not found: sandbox container ${id} not found`, 'NOT_FOUND');
    // The proxy counts every toolbox call as activity, whatever the sandbox's state.
    this.lifecycle.touch(sandbox);
    this.beforeToolbox?.(sandbox);
    const subpath = `/${rest.join('/')}`;
    await this.#toolbox.handle(x, sandbox, subpath);
    if (subpath === '/files/bulk-upload' && x.status === 200) for (const socket of this.previewSockets.get(sandbox.id) ?? []) socket.send('update');
  }

  #preview(x: Exchange, path: string) {
    const [, , id] = path.split('/');
    const sandbox = this.sandboxes.get(id);
    if (!sandbox) return x.toolboxError(404, 'not found: no such sandbox', 'NOT_FOUND');
    if (x.req.headers['x-daytona-preview-token'] !== sandbox.previewToken) return x.toolboxError(401, 'unauthorized: authentication failed: preview token is invalid', 'UNAUTHORIZED');
    this.lifecycle.touch(sandbox);
    const refused = this.#toolbox.refusal(sandbox);
    if (refused) return x.toolboxError(refused.status, refused.message, refused.code);
    if (x.req.headers['x-daytona-skip-preview-warning'] !== 'true') {
      return x.sendRaw(200, { 'content-type': 'text/html' }, '<h1>Preview warning</h1><p>You are about to visit a Daytona sandbox.</p>');
    }
    // The project's own index.html when it has one (what a static dev server would serve).
    const index = sandbox.files.get('project/index.html');
    if (index && /^\/preview\/[^/]+\/\d+\/?$/.test(path)) return x.sendRaw(200, { 'content-type': 'text/html' }, index);
    x.sendRaw(200, { 'content-type': 'text/html' }, `<h1>Daytona preview of ${id}</h1><p>path ${path}</p><p>cookie:${x.req.headers.cookie ?? 'none'}</p>`);
  }

  #upgrade(req: IncomingMessage, socket: Duplex, head: Buffer) {
    socket.on('error', () => socket.destroy());
    const url = new URL(req.url ?? '/', 'http://fake');
    // A preview's own WebSocket (an app's HMR), with the same token rules as its pages.
    const preview = /^\/preview\/([^/]+)\/\d+\//.exec(url.pathname);
    if (preview) {
      const sandbox = this.sandboxes.get(preview[1]);
      if (!sandbox || req.headers['x-daytona-preview-token'] !== sandbox.previewToken || req.headers['x-daytona-skip-preview-warning'] !== 'true') {
        socket.end('HTTP/1.1 401 Unauthorized\r\nContent-Length: 0\r\nConnection: close\r\n\r\n');
        return;
      }
      this.#wss.handleUpgrade(req, socket, head, (ws) => {
        const sockets = this.previewSockets.get(sandbox.id) ?? new Set();
        this.previewSockets.set(sandbox.id, sockets.add(ws));
        ws.on('close', () => sockets.delete(ws));
        // The proxy going away (a Worker stopped) resets the socket: that ends it, nothing more.
        ws.on('error', () => sockets.delete(ws));
      });
      return;
    }
    const m = /^\/toolbox\/([^/]+)\/process\/session\/([^/]+)\/command\/([^/]+)\/logs$/.exec(url.pathname);
    const command = m ? this.sandboxes.get(m[1])?.sessions.get(m[2])?.get(m[3]) : undefined;
    this.fieldReads.push({ method: 'GET', path: url.pathname, body: new Set(), query: new Set(['follow']) });
    if (!command || req.headers.authorization !== `Bearer ${this.apiKey}`) {
      socket.end('HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n');
      return;
    }
    this.#toolbox.upgradeLogs(req, socket, head, command);
  }

  /** The Sandbox schema: what GET, create, start, stop and delete answer. */
  #dto(sandbox: FakeSandbox) {
    return { ...this.#listItem(sandbox), env: sandbox.env };
  }

  /** The SandboxListItem schema (no `env`). */
  #listItem(s: FakeSandbox) {
    return {
      id: s.id,
      organizationId: 'org-fake',
      name: s.name,
      target: 'us',
      user: 'daytona',
      public: false,
      networkBlockAll: false,
      cpu: s.cpu,
      gpu: 0,
      memory: s.memory,
      disk: s.disk,
      labels: s.labels,
      state: s.state,
      desiredState: s.desiredState,
      ...(s.snapshot ? { snapshot: s.snapshot } : {}),
      autoStopInterval: s.autoStopInterval,
      autoArchiveInterval: s.autoArchiveInterval,
      autoDeleteInterval: s.autoDeleteInterval,
      createdAt: s.createdAt,
      updatedAt: s.updatedAt,
      lastActivityAt: new Date(s.lastActivity).toISOString(),
      toolboxProxyUrl: `${this.#base}/toolbox`,
    };
  }
}
