import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { LAUNCH_STEPS } from '../../app/lib/sandbox/sandbox-api';
import { ApiClient, getWithHost, launch, startApp, type App } from './harness';

const EXPRESS_FILES = [
  { path: 'package.json', content: JSON.stringify({ name: 'hello', version: '1.0.0', dependencies: { express: '^4.21.0', ws: '^8.18.0' } }) },
  {
    path: 'server.js',
    content: `const express = require('express'); const http = require('http'); const { WebSocketServer } = require('ws');
const app = express();
app.get('/', (req, res) => res.send('<h1>Hello through the proxy</h1><p>cookie:' + (req.headers.cookie || 'none') + '</p>'));
const server = http.createServer(app);
new WebSocketServer({ server }).on('connection', (s) => s.on('message', (m) => s.send('echo:' + m)));
server.listen(process.env.PORT, '0.0.0.0', () => console.log('listening'));`,
  },
];

let app: App;
let a: ApiClient;
let sandboxId = '';
let previewUrl = '';

beforeAll(async () => {
  app = await startApp({ SANDBOX_PROVIDER: 'local', SANDBOX_MAX_PER_SESSION: '2', SANDBOX_MAX_TOTAL: '3', SANDBOX_CREATES_PER_MINUTE: '3', OPENROUTER_API_KEY: 'sk-or-sentinel-key', DAYTONA_API_KEY: '' });
  a = await ApiClient.withSession(app.url);
});

afterAll(async () => {
  await app?.stop();
});

describe('sandbox API with the Local provider', () => {
  it('creates, writes, installs, starts (as the workbench\'s cloud runtime does over the API), each step with its time, then serves the app through the proxy', async () => {
    // The contract is strict: a create that asks the server to install or start is refused, not half done.
    const refused = await a.json<{ error: string }>('POST', '/api/sandboxes', { project: 'hello', start: 'node server.js' });
    expect(refused).toEqual({ status: 400, body: { error: expect.stringMatching(/^Invalid request: .*start/) } });

    const { sandbox, steps, failure } = await launch(a, { project: 'hello', files: EXPRESS_FILES, install: 'npm install --no-audit --no-fund', start: 'node server.js' });
    expect(failure).toBeUndefined();
    expect(steps.map((s) => s.name)).toEqual([...LAUNCH_STEPS]);
    for (const step of steps) expect(step.status, step.name).toMatchObject({ state: 'done', ms: expect.any(Number) });
    sandboxId = sandbox.id;
    previewUrl = sandbox.previewUrl;
    expect(sandbox.provider).toBe('local');
    expect(previewUrl).toMatch(new RegExp(`^http://[a-z2-7]{32}\\.localhost:${app.port}/$`));
    expect(a.setCookie).toMatch(/HttpOnly/i);
    expect(a.setCookie).toMatch(/SameSite=Lax/i);

    const page = await getWithHost(app.url, previewUrl);
    expect(page.status).toBe(200);
    expect(page.body).toContain('Hello through the proxy');
    expect(page.headers['cross-origin-resource-policy']).toBe('cross-origin');
    expect(page.headers['cross-origin-embedder-policy']).toBe('credentialless');
  }, 120_000);

  it('passes WebSocket upgrades through the proxy', async () => {
    const socket = new WebSocket(`ws://127.0.0.1:${app.port}/`, { headers: { host: new URL(previewUrl).host } });
    const echo = await new Promise<string>((resolve, reject) => {
      socket.on('open', () => socket.send('hmr'));
      socket.on('message', (m) => resolve(String(m)));
      socket.on('error', reject);
    });
    socket.close();
    expect(echo).toBe('echo:hmr');
  });

  it('never forwards the app session cookie to the sandbox', async () => {
    const { body } = await getWithHost(app.url, previewUrl, '/', { cookie: `${a.cookie}; theirs=1` });
    expect(body).toContain('cookie:theirs=1');
    expect(body).not.toContain('appforge_session');
  });

  it('streams exec output and exit codes; the sandbox sees no server secret', async () => {
    const { events } = await a.lines('POST', `/api/sandboxes/${sandboxId}/exec`, { command: 'env; exit 7' });
    const output = events.filter((e) => e.type === 'output').map((e) => e.data).join('');
    expect(output).toMatch(/PORT=\d+/);
    expect(output).not.toMatch(/sentinel|OPENROUTER_API_KEY|SESSION_SECRET/);
    expect(events.at(-1)).toMatchObject({ type: 'exit', exitCode: 7 });
  });

  it('rejects path traversal with 400 and writes nothing of the batch', async () => {
    for (const bad of ['../x', '/etc/passwd', 'a/../../b']) {
      const { status, body } = await a.json<{ error: string }>('PUT', `/api/sandboxes/${sandboxId}/files`, { files: [{ path: 'ok.txt', content: 'fine' }, { path: bad, content: 'evil' }] });
      expect(status, bad).toBe(400);
      expect(body.error).toMatch(/absolute|leaves the project root/);
    }
    const { body } = await a.json<{ entries: Array<{ path: string }> }>('GET', `/api/sandboxes/${sandboxId}/tree`);
    expect(body.entries.map((e) => e.path)).not.toContain('ok.txt');
    const ok = await a.json('PUT', `/api/sandboxes/${sandboxId}/files`, { files: [{ path: 'dir/./ok.txt', content: 'fine' }], remove: ['server.log'] });
    expect(ok).toEqual({ status: 200, body: { written: 1, removed: 1 } });
    const tree = await a.json<{ entries: Array<{ path: string; content?: string }> }>('GET', `/api/sandboxes/${sandboxId}/tree`);
    expect(tree.body.entries.find((e) => e.path === 'dir/ok.txt')?.content).toBe('fine');
    expect(tree.body.entries.map((e) => e.path)).toContain('package-lock.json');
  });

  it('rejects oversized input and bad commands', async () => {
    expect((await a.json('POST', `/api/sandboxes/${sandboxId}/exec`, { command: 'x'.repeat(5000) })).status).toBe(400);
    expect((await a.json('POST', `/api/sandboxes/${sandboxId}/exec`, { command: '   ' })).status).toBe(400);
    expect((await a.json('PUT', `/api/sandboxes/${sandboxId}/files`, { files: [{ path: 'big', content: 'x'.repeat(2_000_001) }] })).status).toBe(400);
  });

  it("hides a sandbox from every other session (404, as if it did not exist)", async () => {
    const bob = new ApiClient(app.url);
    const paths: Array<[string, string, unknown?]> = [
      ['GET', `/api/sandboxes/${sandboxId}`],
      ['GET', `/api/sandboxes/${sandboxId}/tree`],
      ['PUT', `/api/sandboxes/${sandboxId}/files`, { files: [{ path: 'x', content: 'y' }] }],
      ['POST', `/api/sandboxes/${sandboxId}/exec`, { command: 'true' }],
      ['POST', `/api/sandboxes/${sandboxId}/start`, { command: 'true' }],
      ['POST', `/api/sandboxes/${sandboxId}/shares`, {}],
      ['POST', `/api/sandboxes/${sandboxId}/state`, { keep: [] }],
      ['PUT', `/api/sandboxes/${sandboxId}/state`, { archive: '', keep: [] }],
      ['DELETE', `/api/sandboxes/${sandboxId}`],
    ];
    for (const [method, path, body] of paths) expect((await bob.json(method, path, body)).status, `${method} ${path}`).toBe(404);
    expect((await bob.json<{ sandboxes: unknown[] }>('GET', '/api/sandboxes')).body.sandboxes).toEqual([]);
    expect((await a.json<{ sandboxes: unknown[] }>('GET', '/api/sandboxes')).body.sandboxes).toHaveLength(1);
  });

  it('share links open that one preview, expire, and stop working when revoked', async () => {
    const created = await a.json<{ id: string; url: string; expiresAt: number }>('POST', `/api/sandboxes/${sandboxId}/shares`, {});
    expect(created.status).toBe(200);
    expect(created.body.url).toMatch(/^http:\/\/[a-z2-7]{32}\.localhost:\d+\/$/);
    expect(created.body.expiresAt - Date.now()).toBeGreaterThan(23.9 * 3_600_000);
    expect((await getWithHost(app.url, created.body.url)).body).toContain('Hello through the proxy');
    // The problem reporter is put into the owner's preview pages, never into what a share link serves.
    const asFrame = { 'sec-fetch-dest': 'iframe' };
    const ownerPage = await getWithHost(app.url, previewUrl, '/', asFrame);
    expect(ownerPage.body).toContain('appforge-preview-problem');
    expect(ownerPage.body).toContain('appforge-picker');
    expect(ownerPage.body).toContain('Hello through the proxy');
    expect(Number(ownerPage.headers['content-length'])).toBe(Buffer.byteLength(ownerPage.body));
    const sharedPage = await getWithHost(app.url, created.body.url, '/', asFrame);
    expect(sharedPage.body).toContain('Hello through the proxy');
    expect(sharedPage.body).not.toContain('appforge-preview-problem');
    expect(sharedPage.body).not.toContain('appforge-picker');
    // The share host reaches only the sandbox's app, never the app's API.
    const apiViaShare = await getWithHost(app.url, created.body.url, '/api/sandboxes');
    expect(apiViaShare.body).not.toContain('sandboxes"');
    expect((await a.json<{ shares: Array<{ id: string }> }>('GET', `/api/sandboxes/${sandboxId}/shares`)).body.shares.map((s) => s.id)).toContain(created.body.id);

    expect((await a.json('DELETE', `/api/sandboxes/${sandboxId}/shares/${created.body.id}`)).status).toBe(200);
    const revoked = await getWithHost(app.url, created.body.url);
    expect(revoked.status).toBe(410);
    expect(revoked.body).toContain('expired or was revoked');

    const short = await a.json<{ url: string }>('POST', `/api/sandboxes/${sandboxId}/shares`, { ttlHours: 1.5 / 3600 });
    expect((await getWithHost(app.url, short.body.url)).status).toBe(200);
    await new Promise((r) => setTimeout(r, 2600));
    expect((await getWithHost(app.url, short.body.url)).status).toBe(410);

    const unknown = await getWithHost(app.url, `http://${'a'.repeat(32)}.localhost:${app.port}/`);
    expect(unknown.status).toBe(404);
    expect(unknown.body).toContain('not valid');
  });

  it("makes room for a person's next project by stopping their least recently used sandbox; the total and the creation rate still refuse with a clear 429", async () => {
    // A session of its own, so the creation rate (3 a minute here) counts only this test's.
    const erin = await ApiClient.withSession(app.url);
    const create = (project: string) => erin.json<{ sandbox: { id: string }; error: string }>('POST', '/api/sandboxes', { project });
    const state = async (id: string) => (await erin.json<{ sandbox: { state: string; stoppedReason?: string } }>('GET', `/api/sandboxes/${id}`)).body.sandbox;
    const e1 = (await create('e1')).body.sandbox.id;
    const e2 = (await create('e2')).body.sandbox.id;
    await new Promise((r) => setTimeout(r, 20));
    await erin.json('POST', `/api/sandboxes/${e1}/exec`, { command: 'true' }); // e1 in use: e2 is the least recently used
    // Two is the most a session runs here: the third stops e2 instead of refusing erin.
    const third = await create('e3');
    expect(third.status).toBe(201);
    expect(await state(e2)).toMatchObject({ state: 'stopped', stoppedReason: 'it was stopped to make room for another of your projects' });
    expect((await state(e1)).state).toBe('started');
    // The fourth in a minute is refused by the rate, and nothing of erin's is stopped for it.
    const fourth = await create('e4');
    expect(fourth.status).toBe(429);
    expect(fourth.body.error).toMatch(/Too many sandboxes created in the last minute/);
    expect((await state(e1)).state).toBe('started');
    // The server's total (3) is reached by alice's and erin's two: bob is refused, and nobody's sandbox is stopped for him.
    const bob = await ApiClient.withSession(app.url);
    const refused = await bob.json<{ error: string }>('POST', '/api/sandboxes', { project: 'b1' });
    expect(refused.status).toBe(429);
    expect(refused.body.error).toMatch(/as many sandboxes as it allows/);
    expect((await state(e1)).state).toBe('started');

    // Erin stops one from the Sandboxes panel; reopening e2 starts it again under the caps.
    expect((await erin.json<{ sandbox: { stoppedReason?: string } }>('POST', `/api/sandboxes/${e1}/stop`)).body.sandbox.stoppedReason).toBe('you stopped it');
    const resumed = await erin.json<{ sandbox: { state: string; stoppedReason?: string } }>('POST', `/api/sandboxes/${e2}/resume`);
    expect(resumed.body.sandbox.state).toBe('started');
    expect(resumed.body.sandbox.stoppedReason).toBeUndefined();
    for (const id of [e1, e2, third.body.sandbox.id]) await erin.json('DELETE', `/api/sandboxes/${id}`);
  });

  it("keeps and restores the app's own state over HTTP, leaving the project's files and dependencies alone", async () => {
    const run = (command: string) => a.lines('POST', `/api/sandboxes/${sandboxId}/exec`, { command });
    await run('mkdir -p data && echo 1 > data/db.json');
    const keep = ['package.json', 'server.js', 'package-lock.json', 'dir/ok.txt'];
    const captured = await a.json<{ archive: string; bytes: number; files: number }>('POST', `/api/sandboxes/${sandboxId}/state`, { keep });
    expect(captured.status).toBe(200);
    expect(captured.body).toMatchObject({ files: 1, bytes: Buffer.from(captured.body.archive, 'base64').length });
    await run('echo 2 > data/db.json && echo x > data/extra');
    const restored = await a.json('PUT', `/api/sandboxes/${sandboxId}/state`, { archive: captured.body.archive, keep });
    expect(restored).toEqual({ status: 200, body: { restored: true, files: 1 } });
    const { events } = await run('cat data/db.json; ls data; test -d node_modules/express && cat dir/ok.txt');
    expect(events.filter((e) => e.type === 'output').map((e) => e.data).join('')).toBe('1\ndb.json\nfine');
  });

  it('deletes sandboxes with their files and processes, leaving nothing behind', async () => {
    expect((await a.json('DELETE', `/api/sandboxes/${sandboxId}`)).status).toBe(200);
    expect((await getWithHost(app.url, previewUrl)).status).toBe(404);
    expect(readdirSync(join(app.dataDir, 'sandboxes'))).toEqual([]);
  });

  it('stops the Local sandboxes when the server gets SIGTERM', async () => {
    const dave = await ApiClient.withSession(app.url);
    const marker = `appforge-sigterm-${Date.now()}`;
    const server = `node -e "require('http').createServer((q, s) => s.end('up')).listen(process.env.PORT)" ${marker}`;
    const { sandbox, failure, output } = await launch(dave, { project: 'sig', start: server });
    expect(failure, output).toBeUndefined();
    expect((await getWithHost(app.url, sandbox.previewUrl)).body).toBe('up');
    expect(spawnSync('pgrep', ['-f', marker]).status).toBe(0);
    await app.stop();
    expect(spawnSync('pgrep', ['-f', marker]).status).toBe(1);
  });
});
