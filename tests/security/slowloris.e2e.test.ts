// Slowloris against `npm run dev`, as the README starts the app: thousands of half-sent requests
// from one address (127.0.0.2) must not take the server's file descriptors. /api/health keeps
// answering another address (127.0.0.1) within a bound, one address holds at most its connection
// cap, the half-sent requests are closed after the header timeout, and what already flows (a
// streamed chat answer, a preview's WebSocket, Vite's HMR socket) outlives every timeout.
// Bounded: 5,000 sockets, all on loopback, destroyed by the test whatever happens.
import { spawn, type ChildProcess } from 'node:child_process';
import { request } from 'node:http';
import { connect, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeOpenAI } from '../fakes/fake-openai';
import { readUIStream } from '../helpers/ui-stream';
import { ApiClient, launch, startApp, TEST_KEY, type App } from '../e2e/harness';

const APP_PORT = 24200;
const MODEL_PORT = 24201;
const SANDBOX_PORT_BASE = 24260;
const ATTACKER = '127.0.0.2';
const VISITOR = '127.0.0.1';
const HALF_SENT = 5000;
/** The server's open-file limit, below the attack's size (a host whose `ulimit -n` is 4096). */
const SERVER_FDS = 4096;
const HEADERS_TIMEOUT_S = 5;
const REQUEST_TIMEOUT_S = 8;
const PER_IP = 100;
const MAX_REQUESTS_PER_SOCKET = 20;
/** How long one /api/health answer may take while the attack runs. */
const HEALTH_BOUND_MS = 1500;
/** How long the streams opened during the attack are kept: past both timeouts. */
const STREAM_S = 12;

// A sandbox app with a WebSocket that sends a frame every half second.
const SERVER = `const http = require('http'); const crypto = require('crypto');
const server = http.createServer((req, res) => res.end('ws app'));
server.on('upgrade', (req, socket) => {
  const accept = crypto.createHash('sha1').update(req.headers['sec-websocket-key'] + '258EAFA5-E914-47DA-95CA-C5AB0DC85B11').digest('base64');
  socket.on('error', () => {});
  socket.write('HTTP/1.1 101 Switching Protocols\\r\\nUpgrade: websocket\\r\\nConnection: Upgrade\\r\\nSec-WebSocket-Accept: ' + accept + '\\r\\n\\r\\n');
  const t = setInterval(() => socket.write(Buffer.from([0x81, 0x02, 0x68, 0x69])), 500);
  socket.on('close', () => clearInterval(t));
});
server.listen(process.env.PORT, '0.0.0.0');`;

const fake = new FakeOpenAI();
let app: App;
let owner: ApiClient;
let previewHost = '';
let sandboxId = '';
const sockets: Socket[] = [];
const attackers: ChildProcess[] = [];

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

beforeAll(async () => {
  app = await startApp(
    {
      OPENROUTER_BASE_URL: await fake.start(MODEL_PORT),
      OPENROUTER_API_KEY: TEST_KEY,
      DEFAULT_MODEL: 'fake/coder',
      LLM_MAX_RETRIES: '0',
      SANDBOX_PROVIDER: 'local',
      SANDBOX_PORT_BASE: String(SANDBOX_PORT_BASE),
      SERVER_HEADERS_TIMEOUT_S: String(HEADERS_TIMEOUT_S),
      SERVER_REQUEST_TIMEOUT_S: String(REQUEST_TIMEOUT_S),
      SERVER_MAX_CONNECTIONS_PER_IP: String(PER_IP),
      SERVER_MAX_REQUESTS_PER_SOCKET: String(MAX_REQUESTS_PER_SOCKET),
    },
    { mode: 'dev', port: APP_PORT, maxOpenFiles: SERVER_FDS },
  );
  owner = new ApiClient(app.url);
  const { sandbox, failure, output } = await launch(owner, { project: 'slowloris', files: [{ path: 'server.js', content: SERVER }], start: 'node server.js' });
  expect(failure, output).toBeUndefined();
  sandboxId = sandbox.id;
  previewHost = new URL(sandbox.previewUrl).host;
  // Vite compiles the chat route on its first request: done before the clock starts.
  fake.script({ match: 'warm up', reply: 'warm' });
  await readUIStream(await owner.request('POST', '/api/chat', chatBody('warm up')));
}, 180_000);

afterAll(async () => {
  for (const socket of sockets) socket.destroy();
  for (const child of attackers) if (child.exitCode === null) child.kill();
  await owner?.request('DELETE', `/api/sandboxes/${sandboxId}`).catch(() => {});
  await app?.stop();
  await fake.stop();
});

function chatBody(text: string) {
  return { model: 'fake/coder', messages: [{ id: 'u', role: 'user', parts: [{ type: 'text', text }] }] };
}

/** One GET /api/health on a new connection from `VISITOR` (a pooled one would hide a server that cannot accept). */
function health(): Promise<{ status: number; ms: number }> {
  const started = performance.now();
  return new Promise((resolve) => {
    const done = (status: number) => resolve({ status, ms: Math.round(performance.now() - started) });
    const req = request({ host: '127.0.0.1', port: APP_PORT, path: '/api/health', localAddress: VISITOR, agent: false, timeout: 5000 }, (res) => {
      res.resume();
      res.on('end', () => done(res.statusCode ?? 0));
      res.on('error', () => done(0));
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => done(0));
    req.end();
  });
}

/**
 * The attacker, in a process of its own (so its work does not slow the test's own measurements):
 * opens `count` requests whose headers never end from `from`, adds a header to each every second,
 * reports how many it still holds 2 s after the burst and once `checkAfterMs` has passed, then
 * closes everything and exits (after 60 s whatever happens).
 */
const ATTACKER_SCRIPT = `
const { connect } = require('node:net');
const [port, from, count, checkAfterMs] = process.argv.slice(1).map((v, i) => (i === 1 ? v : Number(v)));
setTimeout(() => process.exit(0), 60000).unref();
const sockets = [];
const report = (event, extra) => process.stdout.write(JSON.stringify({ event, ...extra }) + '\\n');
const held = () => sockets.filter((s) => s.connected && s.closedAt === undefined).length;
(async () => {
  for (let i = 0; i < count; i += 250) {
    for (let j = 0; j < 250 && i + j < count; j++) {
      const entry = { socket: connect({ host: '127.0.0.1', port, localAddress: from }), openedAt: Date.now(), connected: false };
      entry.socket.on('connect', () => { entry.connected = true; entry.socket.write('GET /api/health HTTP/1.1\\r\\nHost: localhost:' + port + '\\r\\n'); });
      entry.socket.on('error', () => {});
      entry.socket.on('close', () => (entry.closedAt = Date.now()));
      sockets.push(entry);
    }
    await new Promise((r) => setTimeout(r, 30));
  }
  const burstEnd = Date.now();
  report('burst', { opened: sockets.length });
  const trickle = setInterval(() => { for (const s of sockets) if (s.connected && s.closedAt === undefined) s.socket.write('X-Slow: 1\\r\\n'); }, 1000);
  await new Promise((r) => setTimeout(r, 2000));
  report('held', { held: held() });
  await new Promise((r) => setTimeout(r, Math.max(0, burstEnd + checkAfterMs - Date.now())));
  const closed = sockets.filter((s) => s.closedAt !== undefined).map((s) => (s.closedAt - s.openedAt) / 1000);
  report('checked', { stillOpen: sockets.filter((s) => s.closedAt === undefined).length, slowestCloseS: closed.length ? Math.max(...closed) : null });
  clearInterval(trickle);
  for (const s of sockets) s.socket.destroy();
  process.exit(0);
})();
`;

/** Runs the attacker; resolves its reports by event once it has exited. */
function attack(count: number, checkAfterMs: number) {
  const child = spawn(process.execPath, ['-e', ATTACKER_SCRIPT, String(APP_PORT), ATTACKER, String(count), String(checkAfterMs)], { stdio: ['ignore', 'pipe', 'inherit'] });
  attackers.push(child);
  const reports: Record<string, Record<string, number | null>> = {};
  let buffered = '';
  child.stdout!.on('data', (chunk: Buffer) => {
    buffered += chunk.toString();
    for (let end = buffered.indexOf('\n'); end >= 0; end = buffered.indexOf('\n')) {
      const report = JSON.parse(buffered.slice(0, end)) as { event: string };
      reports[report.event] = report as never;
      buffered = buffered.slice(end + 1);
    }
  });
  const burst = new Promise<void>((resolve) => child.stdout!.on('data', () => reports.burst && resolve()));
  const exited = new Promise<typeof reports>((resolve) => child.once('exit', () => resolve(reports)));
  return { burst: Promise.race([burst, exited.then(() => undefined)]), exited };
}

/** A WebSocket opened with a raw upgrade; records the 101 and when frames arrive. */
function webSocket(host: string, protocol?: string) {
  const socket = connect({ host: '127.0.0.1', port: APP_PORT, localAddress: VISITOR });
  sockets.push(socket);
  const state = { socket, openedAt: performance.now(), head: '', upgraded: false, frames: [] as number[], closedAt: undefined as number | undefined };
  socket.on('connect', () =>
    socket.write(
      `GET / HTTP/1.1\r\nHost: ${host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n${protocol ? `Sec-WebSocket-Protocol: ${protocol}\r\n` : ''}\r\n`,
    ),
  );
  socket.on('data', (chunk) => {
    if (!state.upgraded) {
      state.head += chunk.toString('latin1');
      state.upgraded = state.head.startsWith('HTTP/1.1 101');
      return;
    }
    state.frames.push(performance.now() - state.openedAt);
  });
  socket.on('error', () => {});
  socket.on('close', () => (state.closedAt = performance.now()));
  return state;
}

/** A masked, empty WebSocket ping (a client's frames are masked); the server answers with a pong. */
const PING = Buffer.from([0x89, 0x80, 1, 2, 3, 4]);

describe('slowloris: thousands of half-sent requests from one address', () => {
  it('keeps /api/health answering another address, closes them after the header timeout, and keeps streams and WebSockets alive', async () => {
    const polls: Array<{ status: number; ms: number }> = [];
    let polling = true;
    const poller = (async () => {
      while (polling) {
        polls.push(await health());
        await sleep(200);
      }
    })();
    try {
      // The burst: 5,000 half-sent requests from the attacker's address, a header every second on each.
      const attacker = attack(HALF_SENT, HEADERS_TIMEOUT_S * 1000 + 3000);
      await attacker.burst;

      // Opened during the attack, from the other address: a streamed answer and two WebSockets.
      fake.script({ match: 'steady', reply: 'steady '.repeat(150), chunkSize: 7, delayMs: Math.round((STREAM_S * 1000) / 150) });
      const chatStarted = performance.now();
      const chat = owner.request('POST', '/api/chat', chatBody('steady')).then(readUIStream, (error: unknown) => ({ text: '', error: String(error) }));
      const preview = webSocket(previewHost);
      const hmr = webSocket(`localhost:${APP_PORT}`, 'vite-hmr');

      const reports = await attacker.exited;
      const heldAfterBurst = reports.held?.held ?? null;
      const stillOpenAfterHeaderTimeout = reports.checked?.stillOpen ?? null;

      const answer = await chat;
      const chatSeconds = (performance.now() - chatStarted) / 1000;
      await sleep(Math.max(0, preview.openedAt + STREAM_S * 1000 - performance.now()));
      const hmrFramesBefore = hmr.frames.length;
      hmr.socket.write(PING);
      await sleep(500);
      polling = false;
      await poller;

      const figures = {
        halfSent: reports.burst?.opened ?? null,
        heldAfterBurst,
        stillOpenAfterHeaderTimeout,
        slowestCloseS: reports.checked?.slowestCloseS ?? null,
        healthPolls: polls.length,
        healthFailures: polls.filter((p) => p.status !== 200).length,
        slowestHealthMs: Math.max(...polls.map((p) => p.ms)),
        chatSeconds: chatSeconds.toFixed(1),
        chatError: answer.error,
        previewUpgraded: preview.upgraded,
        previewFramesAfterTimeouts: preview.frames.filter((t) => t > REQUEST_TIMEOUT_S * 1000 + 1000).length,
        hmrUpgraded: hmr.upgraded,
        hmrAnsweredPingAfterS: hmr.frames.length > hmrFramesBefore ? ((performance.now() - hmr.openedAt) / 1000).toFixed(1) : null,
      };
      console.log(`slowloris figures: ${JSON.stringify(figures)}`);

      // Another address is served throughout, quickly.
      expect(figures.healthFailures).toBe(0);
      expect(figures.slowestHealthMs).toBeLessThan(HEALTH_BOUND_MS);
      // One address holds at most its cap; the rest are closed on arrival, the held ones after the header timeout.
      expect(figures.halfSent).toBe(HALF_SENT);
      expect(heldAfterBurst).toBeLessThanOrEqual(PER_IP);
      expect(stillOpenAfterHeaderTimeout).toBe(0);
      // Legitimate long-lived traffic outlives the header and request timeouts.
      expect(answer.error).toBeUndefined();
      expect(answer.text).toBe('steady '.repeat(150));
      expect(chatSeconds).toBeGreaterThan(REQUEST_TIMEOUT_S);
      expect(preview.upgraded).toBe(true);
      expect(preview.closedAt).toBeUndefined();
      expect(figures.previewFramesAfterTimeouts).toBeGreaterThan(0);
      expect(hmr.upgraded).toBe(true);
      expect(hmr.closedAt).toBeUndefined();
      expect(figures.hmrAnsweredPingAfterS).not.toBeNull();
    } finally {
      polling = false;
      for (const socket of sockets.splice(0)) socket.destroy();
    }
  }, 120_000);

  it('closes a keep-alive connection after its request cap, even for a client that ignores "Connection: close"', async () => {
    const socket = connect({ host: '127.0.0.1', port: APP_PORT, localAddress: VISITOR });
    sockets.push(socket);
    let received = '';
    let closed = false;
    socket.on('data', (chunk) => (received += chunk.toString('latin1')));
    socket.on('close', () => (closed = true));
    socket.on('error', () => {});
    await new Promise((resolve) => socket.once('connect', resolve));
    const statuses = () => [...received.matchAll(/HTTP\/1\.1 (\d{3})/g)].map((m) => Number(m[1]));
    // One request at a time, each sent after the previous answer, past the cap.
    for (let i = 0; i < MAX_REQUESTS_PER_SOCKET + 5 && !closed; i++) {
      socket.write(`GET /api/health HTTP/1.1\r\nHost: localhost:${APP_PORT}\r\n\r\n`);
      const deadline = performance.now() + 3000;
      while (statuses().length === i && !closed && performance.now() < deadline) await sleep(10);
    }
    await sleep(300);
    const figures = {
      ok: statuses().filter((s) => s === 200).length,
      refused: statuses().filter((s) => s === 503).length,
      closeHeaders: received.split('HTTP/1.1 ').filter((answer) => /\r\nconnection: close\r\n/i.test(answer)).length,
      closed,
    };
    console.log(`keep-alive figures: ${JSON.stringify(figures)}`);
    // The cap-th answer says "Connection: close"; the next request is refused and the socket closed.
    expect(figures).toEqual({ ok: MAX_REQUESTS_PER_SOCKET, refused: 1, closeHeaders: 2, closed: true });
  }, 60_000);
});
