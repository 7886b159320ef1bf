// The Cloudflare Pages target: the Pages build served by workerd (`wrangler pages dev`, offline),
// against the loopback fake model and the loopback fake Daytona.
import { readdirSync, readFileSync } from 'node:fs';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeDaytona } from '../fakes/fake-daytona';
import { FakeOpenAI } from '../fakes/fake-openai';
import { buildForPages, startPages } from '../support/pages-server';
import { ApiClient, launchBrowser, sendPrompt, TEST_KEY, type App } from './harness';

const SESSION_SECRET = 'pages-e2e-session-secret-0123456789abcdef';
const fake = new FakeOpenAI();
const daytona = new FakeDaytona();
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
  };
  pages = await startPages(vars);
  browser = await launchBrowser();
}, 180_000);
afterAll(async () => {
  await browser?.close();
  await pages?.stop();
  await fake.stop();
  await daytona.stop();
});

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

  it('keeps secrets out of the client bundle and the responses, and the Daytona SDK out of the client', async () => {
    const dir = new URL('../../build/cloudflare/client/assets/', import.meta.url).pathname;
    const client = readdirSync(dir).map((file) => readFileSync(`${dir}${file}`, 'utf8')).join('\n');
    for (const secret of [TEST_KEY, SESSION_SECRET, daytona.apiKey]) expect(client).not.toContain(secret);
    expect(client).not.toMatch(/@daytonaio|DaytonaError|\/toolbox\//);
    const html = await (await fetch(pages.url)).text();
    const models = await (await fetch(`${pages.url}/api/models`)).text();
    for (const secret of [TEST_KEY, SESSION_SECRET, daytona.apiKey]) {
      expect(html).not.toContain(secret);
      expect(models).not.toContain(secret);
    }
  });

  it('refuses the Local provider with a sentence that says what to do', async () => {
    const local = await startPages({ ...vars, SANDBOX_PROVIDER: 'local', DAYTONA_API_KEY: '' });
    try {
      const response = await fetch(local.url);
      expect(response.status).toBe(500);
      expect(await response.text()).toMatch(/On Cloudflare Pages sandboxes run in Daytona only: set DAYTONA_API_KEY/);
    } finally {
      await local.stop();
    }
  }, 90_000);
});
