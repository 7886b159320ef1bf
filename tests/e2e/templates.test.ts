// Starting without a key: the starter templates shipped with the app run with no model configured.
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, startApp, type App } from './harness';

let app: App;
let browser: Browser;

beforeAll(async () => {
  // No OPENROUTER_API_KEY and OpenRouter's own URL: nothing can answer a prompt.
  app = await startApp({ SANDBOX_PROVIDER: 'local', OPENROUTER_API_KEY: '' });
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
  await app?.stop();
});

describe('starter templates, with no model key', () => {
  it.each([
    ['Express API', 'server.js', 'Express API starter', 'First item'],
    ['Python HTTP server', 'app.py', 'Python HTTP starter', 'Served by http.server.'],
    ['Static page', 'style.css', 'Static page starter', 'Edit index.html and style.css.'],
    ['Vite + React', 'src/App.jsx', 'Vite + React starter', 'Clicked 0 times'],
  ])('%s: opens a chat with its files, and its preview comes up', async (title, file, heading, text) => {
    const page = await (await browser.newContext({ viewport: { width: 1400, height: 900 } })).newPage();
    await page.goto(app.url);
    await expect.poll(() => page.getByRole('note').filter({ hasText: 'No model key is configured' }).count(), { timeout: 10_000 }).toBe(1);
    await page.getByRole('region', { name: 'Start from a template' }).getByRole('button', { name: new RegExp(`^${title.replace(/[+]/g, '\\+')}`) }).click();
    await expect.poll(() => page.url()).toMatch(/\/chat\/[a-z0-9]+$/);
    await expect.poll(() => page.getByRole('treeitem', { name: file.split('/').pop() }).count(), { timeout: 15_000 }).toBe(1);
    await page.getByRole('tab', { name: 'Preview' }).click();
    const preview = page.frameLocator('iframe[title="Preview"]');
    await expect.poll(() => preview.getByRole('heading', { name: heading }).count(), { timeout: 120_000, interval: 500 }).toBe(1);
    await expect.poll(() => preview.getByText(text).count(), { timeout: 10_000 }).toBe(1);
    await page.context().close();
  }, 150_000);
});
