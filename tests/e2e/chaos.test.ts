// Connections reset mid-flight on every path (preview HTTP and WebSocket, share host, chat and
// exec streams, garbage requests): each costs only its own connection. The server stays up,
// /api/health keeps answering, and a chat streaming beside them completes.
import { connect, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeOpenAI } from '../fakes/fake-openai';
import { readUIStream } from '../helpers/ui-stream';
import { ApiClient, getWithHost, launch, startApp, TEST_KEY, type App } from './harness';

// A sandbox app with no dependencies: a page, a slow stream, and a WebSocket that keeps sending.
const SERVER = `const http = require('http'); const crypto = require('crypto');
const server = http.createServer((req, res) => {
  if (req.url === '/stream') {
    res.writeHead(200, { 'content-type': 'text/plain' });
    let i = 0; const t = setInterval(() => { res.write('chunk ' + i++ + '\\n'); if (i > 100) { clearInterval(t); res.end(); } }, 30);
    req.on('close', () => clearInterval(t));
    return;
  }
  res.end('<h1>chaos ok</h1>');
});
server.on('upgrade', (req, socket) => {
  const accept = crypto.createHash('sha1').update(req.headers['sec-websocket-key'] + '258EAFA5-E914-47DA-95CA-C5AB0DC85B11').digest('base64');
  socket.on('error', () => {});
  socket.write('HTTP/1.1 101 Switching Protocols\\r\\nUpgrade: websocket\\r\\nConnection: Upgrade\\r\\nSec-WebSocket-Accept: ' + accept + '\\r\\n\\r\\n');
  const t = setInterval(() => socket.write(Buffer.from([0x81, 0x02, 0x68, 0x69])), 30);
  socket.on('close', () => clearInterval(t));
});
server.listen(process.env.PORT, '0.0.0.0');`;

const fake = new FakeOpenAI();
let app: App;
let owner: ApiClient;
let sandboxId = '';
let previewHost = '';
let shareHost = '';

/** Sends a raw request to the app's port and resets the TCP connection (RST) once `after` is true. */
function resetMidFlight(request: string, after: 'sent' | 'first-byte'): Promise<string> {
  return new Promise((resolve) => {
    const socket: Socket = connect(app.port, '127.0.0.1');
    let received = '';
    const reset = () => {
      socket.resetAndDestroy();
      resolve(received);
    };
    socket.on('error', () => resolve(received));
    socket.on('close', () => resolve(received));
    socket.on('data', (chunk) => {
      received += chunk.toString('latin1');
      if (after === 'first-byte') reset();
    });
    socket.on('connect', () => socket.write(request, () => after === 'sent' && setTimeout(reset, 20)));
    setTimeout(reset, 10_000);
  });
}

const get = (host: string, path: string) => `GET ${path} HTTP/1.1\r\nHost: ${host}\r\n\r\n`;
const upgrade = (host: string) =>
  `GET / HTTP/1.1\r\nHost: ${host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n`;
const post = (path: string, body: object, cookie: string) => {
  const json = JSON.stringify(body);
  return `POST ${path} HTTP/1.1\r\nHost: localhost:${app.port}\r\nContent-Type: application/json\r\nCookie: ${cookie}\r\nContent-Length: ${Buffer.byteLength(json)}\r\n\r\n${json}`;
};

beforeAll(async () => {
  app = await startApp({ OPENROUTER_BASE_URL: await fake.start(), OPENROUTER_API_KEY: TEST_KEY, DEFAULT_MODEL: 'fake/coder', LLM_MAX_RETRIES: '0', SANDBOX_PROVIDER: 'local', CHAT_RATE_PER_MINUTE: '1000', CHAT_RATE_PER_MINUTE_PER_IP: '1000' });
  owner = new ApiClient(app.url);
  const { sandbox, failure, output } = await launch(owner, { project: 'chaos', files: [{ path: 'server.js', content: SERVER }], start: 'node server.js' });
  expect(failure, output).toBeUndefined();
  sandboxId = sandbox.id;
  previewHost = new URL(sandbox.previewUrl).host;
  shareHost = new URL((await owner.json<{ url: string }>('POST', `/api/sandboxes/${sandboxId}/shares`, {})).body.url).host;
}, 120_000);
afterAll(async () => {
  await owner?.request('DELETE', `/api/sandboxes/${sandboxId}`).catch(() => {});
  await app?.stop();
  await fake.stop();
});

describe('chaos: connections reset mid-flight', () => {
  it('costs only those connections: health stays 200 and a chat beside them completes', async () => {
    fake.script({ match: 'steady', reply: 'steady '.repeat(120), chunkSize: 7, delayMs: 40 }, { match: 'reset me', reply: 'word '.repeat(400), chunkSize: 5, delayMs: 40 });
    // A chat that streams for ~5 s while everything else is being reset.
    const steady = new ApiClient(app.url)
      .request('POST', '/api/chat', { model: 'fake/coder', messages: [{ id: 'u', role: 'user', parts: [{ type: 'text', text: 'steady' }] }] })
      .then(readUIStream);

    const health: number[] = [];
    let polling = true;
    const poll = (async () => {
      while (polling) {
        health.push(await fetch(`${app.url}/api/health`).then((r) => r.status, () => 0));
        await new Promise((r) => setTimeout(r, 100));
      }
    })();

    const chatBody = { model: 'fake/coder', messages: [{ id: 'u', role: 'user', parts: [{ type: 'text', text: 'reset me' }] }] };
    const execBody = { command: 'for i in 1 2 3 4 5 6; do echo line $i; sleep 0.3; done' };
    const rounds: Array<Promise<string>> = [];
    for (let i = 0; i < 8; i++) {
      rounds.push(
        resetMidFlight(upgrade(previewHost), 'first-byte'), // after the 101, while frames flow
        resetMidFlight(upgrade(previewHost), 'sent'), // before the upgrade completes
        resetMidFlight(upgrade(shareHost), 'first-byte'),
        resetMidFlight(get(previewHost, '/stream'), 'first-byte'),
        resetMidFlight(get(shareHost, '/stream'), 'first-byte'),
        resetMidFlight(upgrade(`localhost:${app.port}`), 'sent'), // an upgrade to the app itself
        resetMidFlight(post('/api/chat', chatBody, owner.cookie), 'first-byte'),
        resetMidFlight(post(`/api/sandboxes/${sandboxId}/exec`, execBody, owner.cookie), 'first-byte'),
        resetMidFlight('GARBAGE \x00\x01 not http\r\n\r\n', 'sent'),
      );
      await new Promise((r) => setTimeout(r, 150));
    }
    const answers = await Promise.all(rounds);
    // The resets happened where they were meant to: after the upgrade, mid-stream.
    expect(answers.filter((a) => a.startsWith('HTTP/1.1 101')).length).toBeGreaterThanOrEqual(16);
    expect(answers.filter((a) => a.startsWith('HTTP/1.1 200')).length).toBeGreaterThanOrEqual(24);

    const chat = await steady;
    polling = false;
    await poll;
    expect(chat.error).toBeUndefined();
    expect(chat.text).toBe('steady '.repeat(120));
    expect(health.length).toBeGreaterThan(10);
    expect(health.every((status) => status === 200)).toBe(true);

    // Still serving, and the preview still works for everyone else.
    process.kill(app.pid, 0);
    expect((await getWithHost(app.url, `http://${previewHost}/`)).body).toContain('chaos ok');
    expect((await getWithHost(app.url, `http://${shareHost}/`)).body).toContain('chaos ok');
    // Errors are logged where they arise, one line each, never a stack trace.
    const log = app.logs.join('');
    expect(log).toMatch(/connection error/);
    expect(log).not.toMatch(/\n\s+at .+:\d+:\d+/);
  }, 90_000);
});
