// Starting without a key: the starter templates shipped with the app run with no model configured.
import { readFileSync } from 'node:fs';
import { strFromU8, unzipSync } from 'fflate';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, startApp, type App } from './harness';
import { TEMPLATES } from '~/lib/templates/templates';

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

describe('projects in and out as a zip', () => {
  it('downloads the project as a zip, and importing that zip opens a new chat with the same files', async () => {
    const context = await browser.newContext({ viewport: { width: 1400, height: 900 }, acceptDownloads: true });
    const page = await context.newPage();
    await page.goto(app.url);
    await page.getByRole('region', { name: 'Start from a template' }).getByRole('button', { name: /^Static page/ }).click();
    await expect.poll(() => page.getByRole('treeitem', { name: 'serve.js' }).count(), { timeout: 15_000 }).toBe(1);
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download zip' }).click()]);
    expect(download.suggestedFilename()).toMatch(/^[a-z0-9]+\.zip$/);
    const zip = readFileSync((await download.path())!);
    const unzipped = Object.fromEntries(Object.entries(unzipSync(new Uint8Array(zip))).map(([path, bytes]) => [path, strFromU8(bytes)]));
    const template = TEMPLATES.find((t) => t.id === 'static')!;
    expect(unzipped).toEqual(template.files);

    await page.goto(app.url);
    await page.getByLabel('Import a zip').setInputFiles({ name: 'static-site.zip', mimeType: 'application/zip', buffer: zip });
    await expect.poll(() => page.url(), { timeout: 10_000 }).toMatch(/\/chat\/[a-z0-9]+$/);
    await expect.poll(() => page.getByText('Imported 4 files from static-site.zip.').count(), { timeout: 10_000 }).toBe(1);
    for (const file of Object.keys(template.files)) await expect.poll(() => page.getByRole('treeitem', { name: file }).count(), { timeout: 10_000 }).toBe(1);
    await page.getByRole('treeitem', { name: 'style.css' }).click();
    await expect.poll(() => page.locator('.cm-content').innerText(), { timeout: 10_000 }).toContain('font-family: system-ui');

    // The same zip dropped on the workbench (on the editor) opens another new chat; the editor pastes nothing.
    const before = page.url();
    const dataTransfer = await page.evaluateHandle((bytes) => {
      const transfer = new DataTransfer();
      transfer.items.add(new File([new Uint8Array(bytes)], 'dropped-site.zip', { type: 'application/zip' }));
      return transfer;
    }, [...zip]);
    await page.locator('.cm-content').dispatchEvent('dragover', { dataTransfer });
    await page.locator('.cm-content').dispatchEvent('drop', { dataTransfer });
    await expect.poll(() => page.url(), { timeout: 10_000 }).not.toBe(before);
    await expect.poll(() => page.getByText('Imported 4 files from dropped-site.zip.').count(), { timeout: 10_000 }).toBe(1);
    await page.getByRole('treeitem', { name: 'style.css' }).click();
    await expect.poll(() => page.locator('.cm-content').innerText(), { timeout: 10_000 }).toContain('font-family: system-ui');
    expect(await page.locator('.cm-content').innerText()).not.toContain('PK');

    // Something that is not a zip is refused with a sentence, and no chat is made.
    await page.goto(app.url);
    await page.getByLabel('Import a zip').setInputFiles({ name: 'notes.zip', mimeType: 'application/zip', buffer: Buffer.from('not a zip') });
    await expect.poll(() => page.getByRole('alert').innerText(), { timeout: 10_000 }).toMatch(/This is not a zip archive that can be read/);
    expect(new URL(page.url()).pathname).toBe('/');
    await context.close();
  }, 120_000);
});
