// The Cloudflare Pages target: the Pages build served by workerd (`wrangler pages dev`, offline),
// against the loopback fake model and the loopback fake Daytona.
import { readdirSync, readFileSync } from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { readRepoEvents, type RepoEvent } from '~/lib/git/repo-events';
import { FakeDaytona } from '../fakes/fake-daytona';
import { FakeGitHub } from '../fakes/fake-github';
import { FakeOpenAI } from '../fakes/fake-openai';
import { buildForPages, startForwarder, startPages } from '../support/pages-server';
import { freePort } from '../support/app-server';
import { edgeAppAnswer, edgeAppPage, sendAndAwaitPreview } from '../support/edge-app';
import { ApiClient, launchBrowser, sendPrompt, TEST_KEY, type App } from './harness';

const SESSION_SECRET = 'pages-e2e-session-secret-0123456789abcdef';
const fake = new FakeOpenAI();
const daytona = new FakeDaytona();
const github = new FakeGitHub();
let pages: App;
let browser: Browser;
let vars: Record<string, string>;

beforeAll(async () => {
  buildForPages();
  vars = {
    OPENROUTER_BASE_URL: await fake.start(),
    OPENROUTER_API_KEY: TEST_KEY,
    DEFAULT_MODEL: 'fake/coder',
    LLM_MAX_RETRIES: '0',
    SESSION_SECRET,
    DAYTONA_API_KEY: daytona.apiKey,
    DAYTONA_API_URL: await daytona.start(),
    GITHUB_URL: await github.start(),
    GITHUB_API_URL: github.apiUrl,
  };
  pages = await startPages(vars);
  browser = await launchBrowser();
}, 180_000);
beforeEach(() => fake.reset());
afterAll(async () => {
  await browser?.close();
  await pages?.stop();
  await fake.stop();
  await daytona.stop();
  await github.stop();
});

/** The app as a browser opens it: localhost, so that previews (<token>.localhost) are beside it. */
const appUrl = () => `http://localhost:${pages.port}`;
const prompt = (p: Page) => p.getByRole('textbox', { name: 'Prompt' });

describe('on Cloudflare Pages (workerd)', () => {
  it('serves the app cross-origin isolated and streams an answer from the model', async () => {
    fake.script({ match: 'hello from the edge', reply: 'Hello from the edge, streamed by workerd.', chunkSize: 4, delayMs: 5 });
    const page = await (await browser.newContext()).newPage();
    const response = await page.goto(pages.url);
    expect(response?.headers()['cross-origin-opener-policy']).toBe('same-origin');
    expect(response?.headers()['cross-origin-embedder-policy']).toBe('credentialless');
    await sendPrompt(page, 'say hello from the edge');
    await expect.poll(() => page.getByText('Hello from the edge, streamed by workerd.').count(), { timeout: 30_000, interval: 250 }).toBe(1);
    expect(fake.requests.at(-1)!.authorization).toBe(`Bearer ${TEST_KEY}`);
    expect(await page.evaluate(() => crossOriginIsolated)).toBe(true);
  }, 60_000);

  it('imports a GitHub repository on the edge: git runs in workerd, in memory, with no sandbox', async () => {
    const commit = github.createRepo('acme/edge-site', { 'index.html': '<h1>Edge</h1>\n', 'logo.png': '\u0000PNG' });
    const api = new ApiClient(pages.url);
    const sandboxesBefore = daytona.sandboxes.size;
    const response = await api.request('POST', '/api/github/import', { repoUrl: `${github.url}/acme/edge-site` });
    expect(response.status).toBe(200);
    const events: RepoEvent[] = [];
    for await (const event of readRepoEvents(response.body!)) events.push(event);
    expect(events.map((e) => e.type)).toEqual(['cloning', 'cloned', 'imported', 'done']);
    expect(events[2]).toMatchObject({ commit, files: { 'index.html': '<h1>Edge</h1>\n' }, skipped: ['logo.png: not a text file'] });
    expect(daytona.sandboxes.size).toBe(sandboxesBefore);
  }, 60_000);

  it('runs the sandbox API over the Daytona SDK on the edge', async () => {
    const api = new ApiClient(pages.url);
    const sandboxes = api.sandboxes();
    const created = await sandboxes.create('pages-e2e');
    expect((await sandboxes.list()).map((s) => s.id)).toContain(created.id);
    let output = '';
    const { exitCode } = await sandboxes.exec(created.id, 'echo hello from a sandbox', { onOutput: (chunk) => (output += chunk) });
    expect(exitCode).toBe(0);
    expect(output).toContain('hello from a sandbox');
    await sandboxes.delete(created.id);
    expect(daytona.requests.every((r) => r.auth === `Bearer ${daytona.apiKey}`)).toBe(true);
  }, 60_000);

  it('runs the cloud story: routed to the cloud, the preview through the Worker, an edit over its WebSocket, a share link, revoked', async () => {
    fake.script({ match: 'edge app with bcrypt', reply: edgeAppAnswer('v1') }, { match: 'make it v2', reply: `Now v2. <boltArtifact id="edge2" title="v2"><boltAction type="file" filePath="index.html">${edgeAppPage('v2')}</boltAction></boltArtifact>` });
    const owner = await (await browser.newContext({ viewport: { width: 1400, height: 900 } })).newPage();
    const previewMs = await sendAndAwaitPreview(owner, appUrl(), 'an edge app with bcrypt', 'Edge app v1');
    expect(await owner.getByRole('status', { name: 'Runtime' }).innerText()).toMatch(/^Cloud sandbox: bcrypt is a native addon/);
    const frame = owner.frameLocator('iframe[title="Preview"]');
    // Through the Worker, with the token headers the fake insists on; the page's WebSocket too.
    await expect.poll(() => [...daytona.previewSockets.values()].reduce((n, s) => n + s.size, 0), { timeout: 10_000 }).toBeGreaterThan(0);
    await prompt(owner).fill('make it v2');
    await owner.getByRole('button', { name: 'Send' }).click();
    await expect.poll(() => frame.getByRole('heading', { name: 'Edge app v2' }).count(), { timeout: 30_000, interval: 250 }).toBe(1);

    await owner.getByRole('button', { name: 'Share' }).click();
    const dialog = owner.getByRole('dialog', { name: 'Share' });
    await dialog.getByRole('button', { name: 'Create link' }).click();
    const link = dialog.getByRole('textbox', { name: 'Share link' });
    await expect.poll(() => link.inputValue()).toMatch(/^http:\/\/[a-z2-7]{32}\.localhost:\d+\/$/);
    const stranger = await browser.newContext();
    const other = await stranger.newPage();
    await other.goto(await link.inputValue());
    expect(await other.getByRole('heading', { name: 'Edge app v2' }).count()).toBe(1);
    await dialog.getByRole('button', { name: /^Revoke link/ }).click();
    await expect.poll(() => dialog.getByRole('textbox', { name: 'Share link' }).count()).toBe(0);
    const revoked = await other.reload();
    expect(revoked?.status()).toBe(410);
    await stranger.close();
    // Its sandbox goes, so that the per-address cap (counted in Daytona's labels) is not what the next story meets.
    await owner.evaluate(async () => {
      const { sandboxes } = (await (await fetch('/api/sandboxes')).json()) as { sandboxes: Array<{ id: string }> };
      for (const { id } of sandboxes) await fetch(`/api/sandboxes/${id}`, { method: 'DELETE', headers: { 'content-type': 'application/json' } });
    });
    console.log(`pages cloud story: Send → preview ${(previewMs / 1000).toFixed(1)} s`);
  }, 150_000);

  it('keeps secrets out of the client bundle and the responses, and the Daytona SDK out of the client', async () => {
    const dir = new URL('../../build/cloudflare/client/assets/', import.meta.url).pathname;
    const client = readdirSync(dir).map((file) => readFileSync(`${dir}${file}`, 'utf8')).join('\n');
    for (const secret of [TEST_KEY, SESSION_SECRET, daytona.apiKey]) expect(client).not.toContain(secret);
    expect(client).not.toMatch(/@daytonaio|DaytonaError|\/toolbox\//);
    // The Node server's parts stay out of the Worker: no bubblewrap, worker threads or file system;
    // what it takes from Node is what nodejs_compat gives workerd.
    const server = readFileSync(new URL('../../build/cloudflare/server/index.js', import.meta.url), 'utf8');
    expect(server).not.toMatch(/\bbwrap\b|slirp4netns|worker_threads|node:fs|node:child_process/);
    // (buffer, events, stream and url come with memfs, the in-memory file system git uses on the
    // server; node:crypto's createHash gives the publish clients their SHA-1 digests.)
    expect([...new Set([...server.matchAll(/^import .* from "([^".]+)";$/gm)].map((m) => m[1]))].sort()).toEqual(['crypto', 'node:buffer', 'node:crypto', 'node:events', 'node:os', 'node:path', 'node:stream', 'node:url']);
    const html = await (await fetch(pages.url)).text();
    const models = await (await fetch(`${pages.url}/api/models`)).text();
    for (const secret of [TEST_KEY, SESSION_SECRET, daytona.apiKey]) {
      expect(html).not.toContain(secret);
      expect(models).not.toContain(secret);
    }
  });

  it('refuses the Local provider with a sentence that says what to do', async () => {
    // SANDBOX_PROVIDER from the environment: preview:cf passes what .env.example names on to the Worker.
    const local = await startPages(vars, undefined, { SANDBOX_PROVIDER: 'local' });
    try {
      const response = await fetch(local.url);
      expect(response.status).toBe(500);
      expect(await response.text()).toMatch(/On Cloudflare Pages sandboxes run in Daytona only: set DAYTONA_API_KEY/);
    } finally {
      await local.stop();
    }
  }, 90_000);
});

describe('on Cloudflare Pages with previews on a host of their own, through the forwarding Worker', () => {
  const secret = 'forwarder-secret-0123456789abcdef0123456789';
  let app: App;
  let forwarder: App;

  beforeAll(async () => {
    const [appPort, previewPort] = [await freePort(), await freePort()];
    // The app at 127.0.0.1, previews at <token>.localhost: two sites, as PREVIEW_HOST must be in production.
    app = await startPages({ ...vars, APP_HOST: `127.0.0.1:${appPort}`, PREVIEW_HOST: `localhost:${previewPort}`, PREVIEW_FORWARDER_SECRET: secret }, appPort);
    forwarder = await startForwarder(`http://127.0.0.1:${appPort}`, secret, previewPort);
  }, 120_000);
  afterAll(async () => {
    await forwarder?.stop();
    await app?.stop();
  });

  it('serves the preview through the Worker on the wildcard host, and trusts a forwarded host only with the secret', async () => {
    fake.script({ match: 'forwarded edge app', reply: edgeAppAnswer('forwarded') });
    const owner = await (await browser.newContext({ viewport: { width: 1400, height: 900 } })).newPage();
    const previewMs = await sendAndAwaitPreview(owner, app.url, 'a forwarded edge app with bcrypt', 'Edge app forwarded');
    const src = await owner.locator('iframe[title="Preview"]').getAttribute('src');
    expect(src).toMatch(new RegExp(`^http://[a-z2-7]{32}\\.localhost:${forwarder.port}/`));
    await expect.poll(() => [...daytona.previewSockets.values()].reduce((n, s) => n + s.size, 0), { timeout: 10_000 }).toBeGreaterThan(0);
    // Straight to the app with the forwarder's header but not its secret: the app's own page, never a sandbox's.
    const token = new URL(src!).host.split('.')[0];
    for (const headers of [{ 'x-appforge-preview-host': `${token}.localhost:${forwarder.port}` }, { 'x-appforge-preview-host': `${token}.localhost:${forwarder.port}`, 'x-appforge-forwarder': 'not-the-secret-0123456789abcdef0123456789' }]) {
      const page = await (await fetch(app.url, { headers: headers as Record<string, string> })).text();
      expect(page).toContain('What should we build?');
      expect(page).not.toContain('Edge app forwarded');
    }
    console.log(`pages forwarded-preview story: Send → preview ${(previewMs / 1000).toFixed(1)} s`);
  }, 120_000);
});
