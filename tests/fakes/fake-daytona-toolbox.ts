// The fake Daytona's toolbox (toolbox.json, served at {toolboxProxyUrl}/{sandboxId}): files,
// one-off commands, session commands and their logs. Commands do not run: `onCommand` scripts their
// output, exit code and the port they "listen" on. What the real services do that the stand-in keeps
// (github.com/daytonaio/daytona @ b5a5d9e78d76c8bcf351f2049620250e0f34eea4):
// - a sandbox that is not started answers every call 400 "… Is the Sandbox started?"
//   (apps/runner/pkg/api/controllers/proxy.go), an archived one "… does not have a runner" (the
//   proxy finds no runner for it: apps/proxy/pkg/proxy/get_sandbox_target.go);
// - `runAsync` session commands answer 202 {cmdId}; a running command has no exitCode
//   (apps/daemon/pkg/toolbox/process/session/execute.go, types.go);
// - logs are one file in which every line carries its stream's marker, 01 01 01 (stdout) or
//   02 02 02 (stderr) (apps/daemon/pkg/session/execute.go, libs/common-go/pkg/log/read_multiplex_log.go);
//   JSON logs give it raw as `output` (markers included) and each stream demultiplexed; the
//   WebSocket (?follow=true) sends it as binary frames and closes (1000) when the command ends.
import Busboy from 'busboy';
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { WebSocketServer } from 'ws';
import type { Exchange } from './fake-daytona-http';
import type { FakeCommand, FakeSandbox } from './fake-daytona-lifecycle';

export interface CommandScript {
  output?: string;
  /** Lines the command writes to stderr (after its output). */
  stderr?: string;
  exitCode?: number;
  /** Milliseconds before the command finishes; Infinity for a server that runs until stopped. */
  durationMs?: number;
  /** A port the command starts listening on. */
  listen?: number;
}

const STDOUT = Buffer.from([1, 1, 1]);
const STDERR = Buffer.from([2, 2, 2]);
const NOT_STARTED = 'bad request: failed to resolve container IP after 3 attempts: no IP address found. Is the Sandbox started?';

/** Every line of `text` prefixed with `marker`, as the daemon's labeller writes them (printf '<prefix>%s\n'). */
function labelled(marker: Buffer, text: string): Buffer {
  const lines = text.endsWith('\n') ? text.slice(0, -1).split('\n') : text.split('\n');
  return Buffer.concat(lines.map((line) => Buffer.concat([marker, Buffer.from(`${line}\n`)])));
}

export class FakeToolbox {
  onCommand: (command: string, sandbox: FakeSandbox) => CommandScript = defaultScript;
  readonly #wss: WebSocketServer;
  readonly #refuseLogSocket: () => boolean;

  /** `refuseLogSocket`: the log WebSocket fails (its connection is reset), so clients must poll. */
  constructor(wss: WebSocketServer, refuseLogSocket: () => boolean) {
    this.#wss = wss;
    this.#refuseLogSocket = refuseLogSocket;
  }

  /** Why a sandbox in this state cannot answer toolbox calls, in the runner's or proxy's words. */
  refusal(sandbox: FakeSandbox): { status: number; message: string; code: string; path: string } | undefined {
    if (sandbox.state === 'started') return undefined;
    if (sandbox.state === 'archived' || sandbox.state === 'archiving') {
      return { status: 400, message: `bad request: failed to get runner info: Sandbox with ID ${sandbox.id} does not have a runner`, code: 'BAD_REQUEST', path: `/toolbox/${sandbox.id}` };
    }
    return { status: 400, message: NOT_STARTED, code: 'BAD_REQUEST', path: `/sandboxes/${sandbox.id}/toolbox` };
  }

  async handle(x: Exchange, sandbox: FakeSandbox, path: string) {
    const { method } = x.record;
    const refused = this.refusal(sandbox);
    if (refused) return x.toolboxError(refused.status, refused.message, refused.code, `${refused.path}${path}`);
    if (method === 'POST' && path === '/files/bulk-upload') {
      await receiveUpload(x.req, sandbox);
      return x.send(200);
    }
    if (method === 'POST' && path === '/files/bulk-download') return this.#download(x, sandbox);
    if (method === 'DELETE' && path === '/files') {
      const target = x.query('path') ?? '';
      for (const key of [...sandbox.files.keys()]) if (key === target || key.startsWith(`${target}/`)) sandbox.files.delete(key);
      return x.send(204);
    }
    if (method === 'POST' && path === '/process/execute') {
      const { command } = await x.json<{ command: string }>();
      return x.send(200, this.#execute(sandbox, command));
    }
    if (method === 'POST' && path === '/process/session') {
      const { sessionId } = await x.json<{ sessionId: string }>();
      if (sandbox.sessions.has(sessionId)) return x.toolboxError(409, `conflict: session already exists`, 'CONFLICT');
      sandbox.sessions.set(sessionId, new Map());
      return x.send(201);
    }
    const session = /^\/process\/session\/([^/]+)(\/.*)?$/.exec(path);
    const commands = session ? sandbox.sessions.get(session[1]) : undefined;
    if (session && !commands) return x.toolboxError(404, 'not found: session not found', 'NOT_FOUND');
    if (session && commands) {
      const rest = session[2] ?? '';
      if (rest === '' && method === 'DELETE') {
        for (const command of commands.values()) finish(sandbox, command, command.exitCode ?? 137);
        sandbox.sessions.delete(session[1]);
        return x.send(204);
      }
      if (rest === '/exec' && method === 'POST') {
        const body = await x.json<{ command: string; runAsync?: boolean; async?: boolean }>();
        const record = this.#run(sandbox, commands, body.command);
        if (body.runAsync || body.async) return x.send(202, { cmdId: record.id });
        await record.done;
        return x.send(200, { cmdId: record.id, output: record.log.toString(), stdout: record.stdout, stderr: record.stderr, exitCode: record.exitCode });
      }
      const cmd = /^\/command\/([^/]+)(\/logs)?$/.exec(rest);
      const command = cmd ? commands.get(cmd[1]) : undefined;
      if (cmd && !command) return x.toolboxError(404, 'not found: command not found', 'NOT_FOUND');
      if (cmd && command && method === 'GET') {
        if (!cmd[2]) return x.send(200, { id: command.id, command: command.command, ...(command.exitCode === null ? {} : { exitCode: command.exitCode }) });
        x.query('follow');
        // Clients from SDK 0.167.0 on send their version and get JSON; older ones the plain log.
        if (x.req.headers['x-daytona-sdk-version']) return x.send(200, { output: command.log.toString(), stdout: command.stdout, stderr: command.stderr });
        return x.sendRaw(200, { 'content-type': 'text/plain; charset=utf-8' }, command.stdout + command.stderr);
      }
    }
    x.toolboxError(404, `not found: no toolbox route ${method} ${path}`, 'NOT_FOUND');
  }

  /** The log WebSocket of a command (?follow=true). */
  upgradeLogs(req: IncomingMessage, socket: Duplex, head: Buffer, command: FakeCommand) {
    if (this.#refuseLogSocket()) return socket.destroy();
    this.#wss.handleUpgrade(req, socket, head, (ws) => {
      // A client that goes away (a server or a Worker killed) resets the socket: that ends it, nothing more.
      ws.on('error', () => command.sockets.delete(ws));
      if (command.log.length) ws.send(command.log);
      if (command.exitCode !== null) return ws.close(1000);
      command.sockets.add(ws);
    });
  }

  /** The sandbox's container stopped: its processes end. */
  endAll(sandbox: FakeSandbox) {
    for (const commands of sandbox.sessions.values()) for (const command of commands.values()) finish(sandbox, command, command.exitCode ?? 137);
    sandbox.sessions.clear();
    sandbox.listening.clear();
  }

  #download(x: Exchange, sandbox: FakeSandbox) {
    return x.json<{ paths: string[] }>().then(({ paths }) => {
      const boundary = `fake${randomUUID().replace(/-/g, '')}`;
      const parts = paths.map((p) => {
        const bytes = sandbox.files.get(p);
        return bytes
          ? Buffer.concat([Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${p}"\r\nContent-Type: application/octet-stream\r\n\r\n`), bytes, Buffer.from('\r\n')])
          : Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="error"; filename="${p}"\r\nContent-Type: application/json\r\n\r\n${JSON.stringify({ message: `file not found: ${p}`, statusCode: 404, code: 'FILE_NOT_FOUND', source: 'DAYTONA_DAEMON' })}\r\n`);
      });
      x.sendRaw(200, { 'content-type': `multipart/form-data; boundary=${boundary}` }, Buffer.concat([...parts, Buffer.from(`--${boundary}--\r\n`)]));
    });
  }

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
    return { exitCode: script.exitCode ?? 0, result: (script.output ?? '') + (script.stderr ?? '') };
  }

  #run(sandbox: FakeSandbox, commands: Map<string, FakeCommand>, command: string): FakeCommand {
    const script = this.onCommand(command, sandbox);
    let finished = () => {};
    const done = new Promise<void>((resolve) => (finished = resolve));
    const record: FakeCommand = { id: randomUUID(), command, log: Buffer.alloc(0), stdout: '', stderr: '', exitCode: null, sockets: new Set(), timers: [], done, finished };
    commands.set(record.id, record);
    if (script.listen) sandbox.listening.add(script.listen);
    const write = (marker: Buffer, text: string) => {
      const bytes = labelled(marker, text);
      record.log = Buffer.concat([record.log, bytes]);
      if (marker === STDOUT) record.stdout += text;
      else record.stderr += text;
      for (const socket of record.sockets) socket.send(bytes);
    };
    // Output arrives a little after the command starts, as a real one's would.
    record.timers.push(
      setTimeout(() => {
        if (record.exitCode !== null) return;
        if (script.output) write(STDOUT, script.output);
        if (script.stderr) write(STDERR, script.stderr);
      }, 20),
    );
    const duration = script.durationMs ?? 50;
    if (Number.isFinite(duration)) record.timers.push(setTimeout(() => finish(sandbox, record, script.exitCode ?? 0), Math.max(duration, 30)));
    return record;
  }
}

function finish(sandbox: FakeSandbox, command: FakeCommand, exitCode: number) {
  for (const timer of command.timers) clearTimeout(timer);
  if (command.exitCode === null) command.exitCode = exitCode;
  for (const socket of command.sockets) socket.close(1000);
  command.sockets.clear();
  command.finished();
  if (exitCode !== 0) sandbox.listening.clear();
}

/** By default a command prints what it ran; dev servers listen on PORT and keep running. */
export function defaultScript(command: string): CommandScript {
  if (/\b(npm (run )?(start|dev)|node server)/.test(command)) return { output: 'server listening\n', durationMs: Infinity, listen: 3000 };
  const exit = /exit (\d+)\s*$/.exec(command);
  return { output: `ran: ${command}\n`, exitCode: exit ? Number(exit[1]) : 0 };
}

/** The multipart bulk upload: parts `files[i].path` and `files[i].file` (apps/daemon/pkg/toolbox/fs/upload_files.go). */
async function receiveUpload(req: IncomingMessage, sandbox: FakeSandbox) {
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
