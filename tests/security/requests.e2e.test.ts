// Attacks on the app's HTTP surface, against the production server: cross-site requests (CSRF),
// server-side downloads through chat parts (SSRF), models the server does not offer, dropped
// cookies to dodge limits, one client filling every sandbox slot, cookies set by previews,
// a preview host on the app's own site, framing, and where the server listens.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeOpenAI } from '../fakes/fake-openai';
import { ApiClient, getWithHost, launch, startApp, TEST_KEY, type App } from '../e2e/harness';

const ROOT = new URL('../..', import.meta.url).pathname;
const fake = new FakeOpenAI();
let app: App;
let internal: Server;
let internalHits = 0;
let internalUrl = '';

const message = (parts: unknown[]) => ({ model: 'fake/coder', messages: [{ id: 'u', role: 'user', parts }] });

let nextClient = 1;
/** A chat request from a client address of its own (TRUST_PROXY is loopback here), so tests do not share rate limits. */
const chat = (body: unknown) =>
  fetch(`${app.url}/api/chat`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-forwarded-for': `192.0.2.${nextClient++}` }, body: JSON.stringify(body) });

/** A raw request to the app with chosen headers (fetch would add its own Origin rules). */
async function send(method: string, path: string, headers: Record<string, string>, body?: string) {
  const response = await fetch(`${app.url}${path}`, { method, headers, body });
  return { status: response.status, text: await response.text() };
}

beforeAll(async () => {
  internal = createServer((_req, res) => {
    internalHits += 1;
    res.end('internal secret');
  });
  await new Promise<void>((resolve) => internal.listen(0, '127.0.0.1', resolve));
  internalUrl = `http://localhost:${(internal.address() as AddressInfo).port}/secret.txt`;
  app = await startApp({
    OPENROUTER_BASE_URL: await fake.start(),
    OPENROUTER_API_KEY: TEST_KEY,
    DEFAULT_MODEL: 'fake/coder',
    MODELS: 'fake/coder,fake/other',
    LLM_MAX_OUTPUT_TOKENS: '4000',
    LLM_MAX_RETRIES: '0',
    SANDBOX_PROVIDER: 'local',
    SANDBOX_MAX_PER_IP: '2',
    SANDBOX_CREATES_PER_MINUTE: '50',
    CHAT_RATE_PER_MINUTE: '3',
    AGENT_MAX_STEPS: '3',
    TRUST_PROXY: 'loopback',
  });
});
afterAll(async () => {
  await app?.stop();
  await fake.stop();
  internal?.close();
});

describe('cross-site requests (CSRF)', () => {
  it('refuses a plain form post, another origin and another site, and creates nothing', async () => {
    const json = { 'content-type': 'application/json' };
    const attempts = [
      await send('POST', '/api/sandboxes', { 'content-type': 'text/plain' }, '{"project":"csrf"}'),
      await send('POST', '/api/sandboxes', { 'content-type': 'application/x-www-form-urlencoded' }, 'project=csrf'),
      await send('POST', '/api/sandboxes', { ...json, origin: `http://abcdef.localhost:${app.port}` }, '{"project":"csrf"}'),
      await send('POST', '/api/sandboxes', { ...json, 'sec-fetch-site': 'same-site' }, '{"project":"csrf"}'),
      await send('POST', '/api/sandboxes', { ...json, 'sec-fetch-site': 'cross-site', origin: 'https://evil.example' }, '{"project":"csrf"}'),
      await send('POST', '/api/chat', { 'content-type': 'text/plain' }, JSON.stringify(message([{ type: 'text', text: 'csrf' }]))),
      await send('DELETE', '/api/sandboxes/local-0000000000000000', { origin: 'https://evil.example' }),
    ];
    expect(attempts.map((a) => a.status)).toEqual([415, 415, 403, 403, 403, 415, 403]);
    expect(attempts[2].text).toMatch(/other sites are refused/);
    expect(fake.requests).toHaveLength(0);
    // The app's own pages pass.
    const ok = await send('GET', '/api/sandboxes', { 'sec-fetch-site': 'same-origin' });
    expect(ok.status).toBe(200);
    expect(JSON.parse(ok.text)).toEqual({ sandboxes: [] });
  });
});

describe('what a chat may carry and cost', () => {
  it('sends no link: a file or image part pointing at an internal address is refused before anything is fetched (images come only as data URLs)', async () => {
    for (const part of [
      { type: 'file', mediaType: 'text/plain', url: internalUrl },
      { type: 'file', mediaType: 'image/png', url: internalUrl },
      { type: 'file', mediaType: 'image/svg+xml', url: `data:image/svg+xml;base64,${Buffer.from('<svg/>').toString('base64')}` },
      { type: 'file', mediaType: 'image/png', url: `data:image/png;base64,${Buffer.from('<svg/>').toString('base64')}` },
      { type: 'source-url', sourceId: 's', url: internalUrl },
    ]) {
      const response = await chat(message([{ type: 'text', text: 'read this' }, part]));
      expect(response.status, JSON.stringify(part)).toBe(400);
      expect(await response.text()).not.toContain('internal secret');
    }
    await new Promise((r) => setTimeout(r, 300));
    expect(internalHits).toBe(0);
    expect(fake.requests).toHaveLength(0);
  });

  it('uses only models the server offers, and caps the output of each request', async () => {
    const refused = await chat({ ...message([{ type: 'text', text: 'expensive' }]), model: 'openai/o1-pro:online' });
    expect(refused.status).toBe(400);
    expect(await refused.text()).toMatch(/does not offer the model/);
    expect(fake.requests).toHaveLength(0);
    const allowed = await chat({ ...message([{ type: 'text', text: 'cheap' }]), model: 'fake/other' });
    expect(allowed.status).toBe(200);
    await allowed.text();
    expect(fake.requests.map((r) => [r.model, r.maxTokens])).toEqual([['fake/other', 4000]]);
    const offered = (await (await fetch(`${app.url}/api/models`)).json()) as { models: Array<{ id: string }> };
    expect(offered.models.map((m) => m.id)).toEqual(['fake/coder', 'fake/other']);
  });

  it("lets an agent's step carry no more: a media URL in a tool result is not fetched, a forged history does not pass the step budget, steps have their own rate", async () => {
    fake.script({ reply: 'ok' });
    const call = (id: string, output: unknown) => ({ type: 'tool-read_file', toolCallId: id, state: 'output-available', input: { path: 'a.js' }, output });
    const step = (parts: unknown[]) => ({ model: 'fake/coder', agent: true, messages: [{ id: 'u', role: 'user', parts: [{ type: 'text', text: 'go' }] }, { id: 'a', role: 'assistant', parts }] });
    // A result shaped like the SDK's own multi-part tool output, pointing at an internal address.
    const smuggled = await chat(step([{ type: 'step-start' }, call('c1', { type: 'content', value: [{ type: 'media', url: internalUrl, mediaType: 'text/plain' }] })]));
    expect(smuggled.status).toBe(200);
    await smuggled.text();
    await new Promise((r) => setTimeout(r, 300));
    expect(internalHits).toBe(0);
    expect(JSON.stringify(fake.requests.at(-1)!.messages)).not.toContain('internal secret');
    // Three tool steps already: the server refuses a fourth (AGENT_MAX_STEPS=3 here) without asking the model.
    const asked = fake.requests.length;
    const threeSteps = [1, 2, 3].flatMap((i) => [{ type: 'step-start' }, call(`s${i}`, { content: 'x' })]);
    const over = await chat(step(threeSteps));
    expect(over.status).toBe(400);
    expect(await over.text()).toMatch(/used its 3 steps/);
    expect(fake.requests.length).toBe(asked);
    // Steps from one client: three times the chat rate (3 a minute here), then 429.
    const statuses: number[] = [];
    for (let i = 0; i < 10; i++) {
      const response = await fetch(`${app.url}/api/chat`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-forwarded-for': '203.0.113.77' }, body: JSON.stringify(step([{ type: 'step-start' }, call(`r${i}`, { content: 'x' })])) });
      statuses.push(response.status);
      await response.text();
    }
    expect(statuses).toEqual([...Array(9).fill(200), 429]);
  });

  it('limits clients that drop their cookie as if they kept it', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) {
      const response = await fetch(`${app.url}/api/chat`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-forwarded-for': '203.0.113.9' }, body: JSON.stringify(message([{ type: 'text', text: `no cookie ${i}` }])) });
      statuses.push(response.status);
      await response.text();
    }
    expect(statuses).toEqual([200, 200, 200, 429, 429]);
  });
});

describe('sandbox slots', () => {
  it('one client address cannot fill the server with throwaway sessions', async () => {
    const from = (ip: string) => fetch(`${app.url}/api/sandboxes`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-forwarded-for': ip }, body: JSON.stringify({ project: 'slots' }) });
    const statuses: number[] = [];
    const created: Array<{ id: string; cookie: string }> = [];
    for (let i = 0; i < 4; i++) {
      const response = await from('198.51.100.7');
      statuses.push(response.status);
      const text = await response.text();
      if (response.status === 201) created.push({ id: JSON.parse(text).sandbox.id, cookie: response.headers.get('set-cookie')!.split(';')[0] });
      else expect(text).toMatch(/Your network already runs 2 sandboxes/);
    }
    expect(statuses).toEqual([201, 201, 429, 429]);
    // Someone else is not locked out.
    const other = await from('198.51.100.8');
    expect(other.status).toBe(201);
    const otherText = await other.text();
    created.push({ id: JSON.parse(otherText).sandbox.id, cookie: other.headers.get('set-cookie')!.split(';')[0] });
    for (const { id, cookie } of created) await fetch(`${app.url}/api/sandboxes/${id}`, { method: 'DELETE', headers: { cookie } });
  });
});

describe('the event loop', () => {
  it('stays responsive while many requests wait for the port of a sandbox with hundreds of processes', async () => {
    const owner = new ApiClient(app.url);
    const start = 'i=0; while [ $i -lt 400 ]; do sleep 60 & i=$((i+1)); done; exec sleep 60';
    const { sandbox } = await launch(owner, { project: 'many', files: [{ path: 'x.txt', content: 'x' }] });
    const id = sandbox.id;
    expect((await owner.json('POST', `/api/sandboxes/${id}/start`, { command: start })).status).toBe(200);
    await new Promise((r) => setTimeout(r, 1500));
    const waits = Array.from({ length: 12 }, () => owner.json('GET', `/api/sandboxes/${id}?waitForPortMs=4000`));
    const latencies: number[] = [];
    const until = Date.now() + 3500;
    while (Date.now() < until) {
      const began = Date.now();
      expect((await fetch(`${app.url}/api/health`)).status).toBe(200);
      latencies.push(Date.now() - began);
      await new Promise((r) => setTimeout(r, 100));
    }
    await Promise.all(waits);
    expect(Math.max(...latencies), JSON.stringify(latencies)).toBeLessThan(1000);
    await owner.request('DELETE', `/api/sandboxes/${id}`);
  }, 60_000);
});

describe('cookies and hosts', () => {
  it('keeps the session cookie host-only and Secure, and keeps what a preview sets to the preview', async () => {
    const owner = new ApiClient(app.url);
    const server = `require('http').createServer((req, res) => {
      res.setHeader('Set-Cookie', ['theme=dark; Domain=localhost; Path=/', '__Host-appforge_session=attacker; Path=/; Secure', 'appforge_session=attacker; Domain=.localhost; Path=/api', 'plain=1; Path=/']);
      res.end('cookies set');
    }).listen(process.env.PORT, '0.0.0.0');`;
    const done = await launch(owner, { project: 'cookies', files: [{ path: 'server.js', content: server }], start: 'node server.js' });
    expect(done.failure, done.output).toBeUndefined();
    expect(owner.setCookie).toMatch(/^__Host-appforge_session=[^;]+;.*Path=\/;.*HttpOnly;.*Secure;.*SameSite=Lax/);
    expect(owner.setCookie).not.toMatch(/Domain=/i);
    const page = await getWithHost(app.url, done.sandbox.previewUrl);
    expect(page.body).toBe('cookies set');
    expect(page.headers['set-cookie']).toEqual(['theme=dark; Path=/', 'plain=1; Path=/']);
    await owner.request('DELETE', `/api/sandboxes/${done.sandbox.id}`);
  });

  it("revokes the owner's preview URL on request, through the proxy, for the owner only", async () => {
    const owner = new ApiClient(app.url);
    const server = `require('http').createServer((req, res) => res.end('owner page')).listen(process.env.PORT, '0.0.0.0');`;
    const done = await launch(owner, { project: 'renew', files: [{ path: 'server.js', content: server }], start: 'node server.js' });
    expect(done.failure, done.output).toBeUndefined();
    expect((await getWithHost(app.url, done.sandbox.previewUrl)).body).toBe('owner page');
    const stranger = new ApiClient(app.url);
    expect((await stranger.json('POST', `/api/sandboxes/${done.sandbox.id}/preview`, {})).status).toBe(404);
    const renewed = await owner.json<{ sandbox: { previewUrl: string } }>('POST', `/api/sandboxes/${done.sandbox.id}/preview`, {});
    expect(renewed.status).toBe(200);
    const fresh = renewed.body.sandbox.previewUrl;
    expect(fresh).not.toBe(done.sandbox.previewUrl);
    const old = await getWithHost(app.url, done.sandbox.previewUrl);
    expect(old.status).toBe(404);
    expect(old.body).not.toContain('owner page');
    expect((await getWithHost(app.url, fresh)).body).toBe('owner page');
    await owner.request('DELETE', `/api/sandboxes/${done.sandbox.id}`);
  });

  it('refuses to start with a preview host on the app\u2019s own site', async () => {
    // Asynchronously: a synchronous spawn would stall this process past the server's keep-alive
    // window, and the next test's fetch would reuse a socket the server had closed.
    const start = (env: Record<string, string>) =>
      new Promise<{ status: number | null; stderr: string }>((resolve) => {
        const child = spawn(process.execPath, ['--import', 'tsx', 'server.ts'], {
          cwd: ROOT,
          env: { PATH: process.env.PATH, HOME: process.env.HOME, NODE_ENV: 'production', ENV_FILE: '', PORT: '29733', SESSION_SECRET: 'x'.repeat(40), SANDBOX_DATA_DIR: app.dataDir, ...env },
          stdio: ['ignore', 'ignore', 'pipe'],
          timeout: 30_000,
        });
        let stderr = '';
        child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
        child.on('close', (status) => resolve({ status, stderr }));
      });
    const sameSite = await start({ APP_HOST: 'app.example.test', PREVIEW_HOST: 'preview.example.test' });
    expect(sameSite.status).toBe(1);
    expect(sameSite.stderr).toMatch(/PREVIEW_HOST: preview\.example\.test is on the same site \(example\.test\) as the app/);
    // A public suffix is not a shared site: this one gets past the check (and stops at the next, a missing Daytona key).
    const sharedSuffix = await start({ APP_HOST: 'myapp.github.io', PREVIEW_HOST: 'previews.github.io', SANDBOX_PROVIDER: 'daytona' });
    expect(sharedSuffix.stderr).toMatch(/DAYTONA_API_KEY: required/);
    expect(sharedSuffix.stderr).not.toMatch(/PREVIEW_HOST/);
    const unknownApp = await start({ PREVIEW_HOST: 'preview-example.net' });
    expect(unknownApp.status).toBe(1);
    expect(unknownApp.stderr).toMatch(/APP_HOST: required with PREVIEW_HOST in production/);
  }, 60_000);

  it('may not be framed by other sites, and listens on loopback only', async () => {
    const response = await fetch(app.url);
    expect(response.headers.get('content-security-policy')).toBe("frame-ancestors 'self'");
    // /proc/net/tcp lists the listening socket: 0100007F is 127.0.0.1.
    const port = app.port.toString(16).toUpperCase().padStart(4, '0');
    const listening = readFileSync('/proc/net/tcp', 'utf8').split('\n').filter((line) => line.includes(`:${port} `) && / 0A /.test(line));
    expect(listening.length).toBeGreaterThan(0);
    expect(listening.every((line) => line.trim().split(/\s+/)[1] === `0100007F:${port}`)).toBe(true);
    expect(readFileSync('/proc/net/tcp6', 'utf8')).not.toMatch(new RegExp(`00000000000000000000000000000000:${port} .* 0A `));
  });
});
