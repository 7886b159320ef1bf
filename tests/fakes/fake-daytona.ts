// A loopback fake of the Daytona API and toolbox, driven in tests by the real @daytonaio/sdk.
// Routes and shapes follow what the SDK's own generated clients send and read (api-client
// sandbox-api.js, toolbox-api-client file-system-api.js and process-api.js, SDK 0.218.0):
//   POST/GET/DELETE /api/sandbox[/:id], GET /api/sandbox?labels=<json>&limit&cursor, PUT /api/sandbox/:id/labels,
//   POST /api/sandbox/:id/stop|start, GET /api/sandbox/:id/ports/:port/preview-url,
//   toolbox at /toolbox/:id: files/bulk-upload (multipart), files/bulk-download (multipart reply), DELETE files,
//   git/clone (a real clone whose files become the sandbox's), process/execute, process/session (+/:sid/exec, /:sid/command/:cid, …/logs JSON and ?follow=true WebSocket), DELETE session.
// Commands do not run: `onCommand` scripts their output, exit code and the port they "listen" on.
import Busboy from 'busboy';
import { execFile } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { promisify } from 'node:util';
import { gitEnv } from './fake-github';
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';

export interface CommandScript {
  output?: string;
  exitCode?: number;
  /** Milliseconds before the command finishes; Infinity for a server that runs until stopped. */
  durationMs?: number;
  /** A port the command starts listening on. */
  listen?: number;
}

interface FakeCommand {
  id: string;
  command: string;
  output: string;
  exitCode: number | null;
  sockets: Set<WebSocket>;
  timer?: ReturnType<typeof setTimeout>;
}

interface FakeSandbox {
  id: string;
  state: string;
  labels: Record<string, string>;
  env: Record<string, string>;
  createdAt: string;
  autoStopInterval?: number;
  autoDeleteInterval?: number;
  snapshot?: string;
  files: Map<string, Buffer>;
  sessions: Map<string, Map<string, FakeCommand>>;
  listening: Set<number>;
  previewToken: string;
}

/** What the SDK's git.clone sends (toolbox-api-client GitCloneRequest). */
export interface GitCloneRequest {
  url: string;
  path: string;
  branch?: string;
  commit_id?: string;
  username?: string;
  password?: string;
  depth?: number;
}

export interface Faults {
  /** The next N sandbox creations answer 500. */
  createFailures: number;
  /** The next N control-plane requests answer 429 with this Retry-After (seconds). */
  rateLimited: number;
  retryAfterSeconds: number;
  /** New sandboxes stay in state "creating" (the SDK waits, then times out). */
  createHangs: boolean;
  /** The log WebSocket is refused (HTTP 503 on upgrade). */
  refuseLogSocket: boolean;
}

export class FakeDaytona {
  readonly sandboxes = new Map<string, FakeSandbox>();
  readonly requests: Array<{ method: string; path: string; auth?: string }> = [];
  /** Every git clone the toolbox was asked for, as sent (the token arrives as the password). */
  readonly gitClones: GitCloneRequest[] = [];
  /** Bodies of sandbox creations, as sent (what would end up in a sandbox's environment and labels). */
  readonly bodies: string[] = [];
  faults: Faults = { createFailures: 0, rateLimited: 0, retryAfterSeconds: 0, createHangs: false, refuseLogSocket: false };
  onCommand: (command: string, sandbox: FakeSandbox) => CommandScript = defaultScript;
  apiKey = 'dtn-fake-key';
  #server: Server;
  #wss = new WebSocketServer({ noServer: true });
  /** Open preview WebSockets (an app's HMR), by sandbox id: told "update" whenever files are uploaded. */
  readonly previewSockets = new Map<string, Set<WebSocket>>();
  #base = '';

  constructor() {
    this.#server = createServer((req, res) => void this.#handle(req, res));
    this.#server.on('upgrade', (req, socket, head) => this.#upgrade(req, socket, head));
  }

  get apiUrl() {
    return `${this.#base}/api`;
  }

  async start(port = 0) {
    await new Promise<void>((resolve) => this.#server.listen(port, '127.0.0.1', resolve));
    this.#base = `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`;
    return this.apiUrl;
  }

  async stop() {
    for (const sandbox of this.sandboxes.values()) this.#endAll(sandbox);
    for (const client of this.#wss.clients) client.terminate();
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  /** Live sandboxes (what a test must leave at zero). */
  get live() {
    return [...this.sandboxes.values()].filter((s) => s.state !== 'destroyed').length;
  }

  // --- HTTP ----------------------------------------------------------------------------------

  async #handle(req: IncomingMessage, res: ServerResponse) {
    const url = new URL(req.url ?? '/', 'http://fake');
    const path = url.pathname;
    this.requests.push({ method: req.method ?? '', path, auth: req.headers.authorization });
    try {
      if (path.startsWith('/preview/')) return this.#preview(req, res, path);
      if (req.headers.authorization !== `Bearer ${this.apiKey}`) return json(res, 401, { message: 'Invalid API key' });
      if (path.startsWith('/api/')) {
        if (path.startsWith('/api/socket.io')) return json(res, 404, { message: 'no events here' });
        if (this.faults.rateLimited > 0) {
          this.faults.rateLimited -= 1;
          return json(res, 429, { message: 'Too many requests' }, { 'retry-after': String(this.faults.retryAfterSeconds) });
        }
        return await this.#api(req, res, path, url);
      }
      const tool = /^\/toolbox\/([^/]+)(\/.*)$/.exec(path);
      if (tool) {
        const sandbox = this.sandboxes.get(tool[1]);
        if (!sandbox) return json(res, 404, { message: `Sandbox ${tool[1]} not found` });
        return await this.#toolbox(req, res, sandbox, tool[2], url);
      }
      json(res, 404, { message: `no route ${req.method} ${path}` });
    } catch (error) {
      json(res, 500, { message: String(error) });
    }
  }

  async #api(req: IncomingMessage, res: ServerResponse, path: string, url: URL) {
    let m: RegExpExecArray | null;
    if (req.method === 'POST' && path === '/api/sandbox') {
      const raw = (await readBody(req)).toString();
      this.bodies.push(raw);
      const body = JSON.parse(raw) as { labels?: Record<string, string>; env?: Record<string, string>; snapshot?: string; autoStopInterval?: number; autoDeleteInterval?: number };
      if (this.faults.createFailures > 0) {
        this.faults.createFailures -= 1;
        return json(res, 500, { message: 'Internal error while creating the sandbox' });
      }
      const sandbox: FakeSandbox = {
        id: randomUUID(),
        state: this.faults.createHangs ? 'creating' : 'started',
        labels: body.labels ?? {},
        env: body.env ?? {},
        createdAt: new Date().toISOString(),
        autoStopInterval: body.autoStopInterval,
        autoDeleteInterval: body.autoDeleteInterval,
        snapshot: body.snapshot,
        files: new Map(),
        sessions: new Map(),
        listening: new Set(),
        previewToken: randomUUID(),
      };
      this.sandboxes.set(sandbox.id, sandbox);
      return json(res, 200, this.#dto(sandbox));
    }
    if (req.method === 'GET' && path === '/api/sandbox') {
      const labels = JSON.parse(url.searchParams.get('labels') ?? '{}') as Record<string, string>;
      const items = [...this.sandboxes.values()].filter((s) => Object.entries(labels).every(([k, v]) => s.labels[k] === v)).map((s) => this.#dto(s));
      return json(res, 200, { items, nextCursor: null });
    }
    if ((m = /^\/api\/sandbox\/([^/]+)(\/.*)?$/.exec(path))) {
      const sandbox = this.sandboxes.get(m[1]);
      if (!sandbox) return json(res, 404, { statusCode: 404, message: `Sandbox with ID or name ${m[1]} not found`, error: 'Not Found' });
      const rest = m[2] ?? '';
      if (rest === '' && req.method === 'GET') return json(res, 200, this.#dto(sandbox));
      if (rest === '' && req.method === 'DELETE') {
        this.#endAll(sandbox);
        this.sandboxes.delete(sandbox.id);
        return json(res, 200, { ...this.#dto(sandbox), state: 'destroying' });
      }
      if (rest === '/labels' && req.method === 'PUT') {
        sandbox.labels = (JSON.parse((await readBody(req)).toString()) as { labels: Record<string, string> }).labels;
        return json(res, 200, { labels: sandbox.labels });
      }
      if (rest === '/stop' && req.method === 'POST') {
        this.#endAll(sandbox);
        sandbox.state = 'stopped';
        return json(res, 200, this.#dto(sandbox));
      }
      if (rest === '/start' && req.method === 'POST') {
        sandbox.state = 'started';
        return json(res, 200, this.#dto(sandbox));
      }
      const port = /^\/ports\/(\d+)\/preview-url$/.exec(rest);
      if (port && req.method === 'GET') {
        return json(res, 200, { sandboxId: sandbox.id, url: `${this.#base}/preview/${sandbox.id}/${port[1]}`, token: sandbox.previewToken });
      }
    }
    json(res, 404, { message: `no route ${req.method} ${path}` });
  }

  async #toolbox(req: IncomingMessage, res: ServerResponse, sandbox: FakeSandbox, path: string, url: URL) {
    if (req.method === 'POST' && path === '/files/bulk-upload') {
      await this.#receiveUpload(req, sandbox);
      for (const socket of this.previewSockets.get(sandbox.id) ?? []) socket.send('update');
      return json(res, 200, null);
    }
    if (req.method === 'POST' && path === '/files/bulk-download') {
      const { paths } = JSON.parse((await readBody(req)).toString()) as { paths: string[] };
      const boundary = `fake${randomUUID().replace(/-/g, '')}`;
      const parts = paths.map((p) => {
        const bytes = sandbox.files.get(p);
        return bytes
          ? Buffer.concat([Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${p}"\r\nContent-Type: application/octet-stream\r\n\r\n`), bytes, Buffer.from('\r\n')])
          : Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="error"; filename="${p}"\r\nContent-Type: application/json\r\n\r\n${JSON.stringify({ message: `file not found: ${p}`, statusCode: 404, code: 'FILE_NOT_FOUND', source: 'DAYTONA_DAEMON' })}\r\n`);
      });
      res.writeHead(200, { 'content-type': `multipart/form-data; boundary=${boundary}` });
      return res.end(Buffer.concat([...parts, Buffer.from(`--${boundary}--\r\n`)]));
    }
    if (req.method === 'DELETE' && path === '/files') {
      const target = url.searchParams.get('path') ?? '';
      for (const key of [...sandbox.files.keys()]) if (key === target || key.startsWith(`${target}/`)) sandbox.files.delete(key);
      res.writeHead(204);
      return res.end();
    }
    if (req.method === 'POST' && path === '/git/clone') {
      // The toolbox clones in the sandbox: here a real clone (asynchronous: the git server may
      // answer from this process) whose files then are the sandbox's.
      const request = JSON.parse((await readBody(req)).toString()) as GitCloneRequest;
      this.gitClones.push(request);
      const dir = await mkdtemp(join(tmpdir(), 'fake-daytona-clone-'));
      try {
        const auth = request.password ? ['-c', `http.extraHeader=Authorization: Basic ${Buffer.from(`${request.username}:${request.password}`).toString('base64')}`] : [];
        await promisify(execFile)('git', [...auth, 'clone', '--quiet', ...(request.branch ? ['--branch', request.branch] : []), ...(request.depth ? ['--depth', String(request.depth)] : []), request.url, dir], { env: { ...gitEnv(), HOME: dir, GIT_TERMINAL_PROMPT: '0' } });
        if (request.commit_id) await promisify(execFile)('git', ['-C', dir, 'checkout', '--quiet', request.commit_id]);
        for (const file of await readdir(dir, { recursive: true, withFileTypes: true })) {
          const full = join(file.parentPath, file.name);
          const rel = relative(dir, full);
          if (file.isFile() && !rel.startsWith('.git/')) sandbox.files.set(`${request.path}/${rel}`, await readFile(full));
        }
        return json(res, 200, null);
      } catch (error) {
        // The daemon's answer for a failed clone: its error as the message.
        return json(res, 400, { message: `failed to clone repository: ${(error as { stderr?: string }).stderr?.trim() || String(error)}`, statusCode: 400, code: 'BAD_REQUEST' });
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    }
    if (req.method === 'POST' && path === '/process/execute') {
      const { command } = JSON.parse((await readBody(req)).toString()) as { command: string };
      return json(res, 200, this.#execute(sandbox, command));
    }
    if (req.method === 'POST' && path === '/process/session') {
      const { sessionId } = JSON.parse((await readBody(req)).toString()) as { sessionId: string };
      sandbox.sessions.set(sessionId, new Map());
      return json(res, 201, null);
    }
    const session = /^\/process\/session\/([^/]+)(\/.*)?$/.exec(path);
    if (session) {
      const commands = sandbox.sessions.get(session[1]);
      if (!commands) return json(res, 404, { message: `session ${session[1]} not found` });
      const rest = session[2] ?? '';
      if (rest === '' && req.method === 'DELETE') {
        for (const command of commands.values()) this.#finish(sandbox, command, command.exitCode ?? 137);
        sandbox.sessions.delete(session[1]);
        res.writeHead(204);
        return res.end();
      }
      if (rest === '/exec' && req.method === 'POST') {
        const { command } = JSON.parse((await readBody(req)).toString()) as { command: string; runAsync?: boolean };
        return json(res, 200, { cmdId: this.#run(sandbox, commands, command).id });
      }
      const cmd = /^\/command\/([^/]+)(\/logs)?$/.exec(rest);
      const command = cmd ? commands.get(cmd[1]) : undefined;
      if (cmd && command && req.method === 'GET') {
        if (cmd[2]) return json(res, 200, { output: command.output, stdout: command.output, stderr: '' });
        return json(res, 200, { id: command.id, command: command.command, exitCode: command.exitCode });
      }
    }
    json(res, 404, { message: `no toolbox route ${req.method} ${path}` });
  }

  #preview(req: IncomingMessage, res: ServerResponse, path: string) {
    const [, , id] = path.split('/');
    const sandbox = this.sandboxes.get(id);
    if (!sandbox) return json(res, 404, { message: 'no such sandbox' });
    if (req.headers['x-daytona-preview-token'] !== sandbox.previewToken) return json(res, 401, { message: 'preview token required' });
    if (req.headers['x-daytona-skip-preview-warning'] !== 'true') {
      res.writeHead(200, { 'content-type': 'text/html' });
      return res.end('<h1>Preview warning</h1><p>You are about to visit a Daytona sandbox.</p>');
    }
    // The project's own index.html when it has one (what a static dev server would serve).
    const index = sandbox.files.get('project/index.html');
    if (index && /^\/preview\/[^/]+\/\d+\/?$/.test(path)) {
      res.writeHead(200, { 'content-type': 'text/html' });
      return res.end(index);
    }
    res.writeHead(200, { 'content-type': 'text/html' });
    res.end(`<h1>Daytona preview of ${id}</h1><p>path ${path}</p><p>cookie:${req.headers.cookie ?? 'none'}</p>`);
  }

  // --- commands --------------------------------------------------------------------------------

  #execute(sandbox: FakeSandbox, command: string) {
    if (command.startsWith('cat /proc/net/tcp')) {
      const rows = [...sandbox.listening].map((port, i) => `   ${i}: 00000000:${port.toString(16).toUpperCase().padStart(4, '0')} 00000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 ${1000 + i} 1`);
      return { exitCode: 0, result: ['  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode', ...rows].join('\n') };
    }
    const find = /^find (\S+) -type f/.exec(command);
    if (find) {
      const prefix = `${find[1]}/`;
      const lines = [...sandbox.files.entries()].filter(([p]) => p.startsWith(prefix) && !p.includes('/node_modules/')).map(([p, b]) => `${b.length}\t${p.slice(prefix.length)}`);
      return { exitCode: 0, result: lines.join('\n') };
    }
    const script = this.onCommand(command, sandbox);
    if (script.listen) sandbox.listening.add(script.listen);
    return { exitCode: script.exitCode ?? 0, result: script.output ?? '' };
  }

  #run(sandbox: FakeSandbox, commands: Map<string, FakeCommand>, command: string): FakeCommand {
    const script = this.onCommand(command, sandbox);
    const record: FakeCommand = { id: randomUUID(), command, output: '', exitCode: null, sockets: new Set() };
    commands.set(record.id, record);
    if (script.listen) sandbox.listening.add(script.listen);
    const emit = (text: string) => {
      record.output += text;
      for (const socket of record.sockets) socket.send(Buffer.concat([Buffer.from([1, 1, 1]), Buffer.from(text)]));
    };
    // Output arrives a little after the command starts, as a real one's would.
    setTimeout(() => script.output && emit(script.output), 20);
    const duration = script.durationMs ?? 50;
    if (Number.isFinite(duration)) record.timer = setTimeout(() => this.#finish(sandbox, record, script.exitCode ?? 0), Math.max(duration, 30));
    return record;
  }

  #finish(sandbox: FakeSandbox, command: FakeCommand, exitCode: number) {
    clearTimeout(command.timer);
    if (command.exitCode === null) command.exitCode = exitCode;
    for (const socket of command.sockets) socket.close(1000);
    command.sockets.clear();
    if (exitCode !== 0) sandbox.listening.clear();
  }

  #endAll(sandbox: FakeSandbox) {
    for (const commands of sandbox.sessions.values()) for (const command of commands.values()) this.#finish(sandbox, command, command.exitCode ?? 137);
    sandbox.listening.clear();
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
    if (!command || this.faults.refuseLogSocket || req.headers.authorization !== `Bearer ${this.apiKey}`) {
      socket.end(`HTTP/1.1 ${command ? 503 : 404} Unavailable\r\nContent-Length: 0\r\nConnection: close\r\n\r\n`);
      return;
    }
    this.#wss.handleUpgrade(req, socket, head, (ws) => {
      // A client that goes away (a server or a Worker killed) resets the socket: that ends it, nothing more.
      ws.on('error', () => command.sockets.delete(ws));
      if (command.output) ws.send(Buffer.concat([Buffer.from([1, 1, 1]), Buffer.from(command.output)]));
      if (command.exitCode !== null) return ws.close(1000);
      command.sockets.add(ws);
    });
  }

  async #receiveUpload(req: IncomingMessage, sandbox: FakeSandbox) {
    const paths = new Map<string, string>();
    const contents = new Map<string, Buffer>();
    await new Promise<void>((resolve, reject) => {
      const parser = Busboy({ headers: req.headers });
      parser.on('field', (name, value) => {
        const m = /^files\[(\d+)\]\.path$/.exec(name);
        if (m) paths.set(m[1], value);
      });
      parser.on('file', (name, stream) => {
        const m = /^files\[(\d+)\]\.file$/.exec(name);
        const chunks: Buffer[] = [];
        stream.on('data', (c: Buffer) => chunks.push(c));
        stream.on('end', () => m && contents.set(m[1], Buffer.concat(chunks)));
      });
      parser.on('close', resolve);
      parser.on('error', reject);
      req.pipe(parser);
    });
    for (const [index, path] of paths) sandbox.files.set(path, contents.get(index) ?? Buffer.alloc(0));
  }

  #dto(sandbox: FakeSandbox) {
    return {
      id: sandbox.id,
      name: sandbox.id,
      organizationId: 'org-fake',
      user: 'daytona',
      target: 'us',
      state: sandbox.state,
      labels: sandbox.labels,
      public: false,
      cpu: 1,
      gpu: 0,
      memory: 1,
      disk: 3,
      createdAt: sandbox.createdAt,
      autoStopInterval: sandbox.autoStopInterval,
      autoDeleteInterval: sandbox.autoDeleteInterval,
      toolboxProxyUrl: `${this.#base}/toolbox`,
    };
  }
}

/** By default a command prints what it ran; dev servers listen on PORT and keep running. */
export function defaultScript(command: string): CommandScript {
  if (/\b(npm (run )?(start|dev)|node server)/.test(command)) return { output: 'server listening\n', durationMs: Infinity, listen: 3000 };
  const exit = /exit (\d+)\s*$/.exec(command);
  return { output: `ran: ${command}\n`, exitCode: exit ? Number(exit[1]) : 0 };
}

function json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(body === null ? '' : JSON.stringify(body));
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}
