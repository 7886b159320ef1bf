// Publish, as a person does it: a Vite app built in its runtime and put on a (loopback) Netlify, a
// second publish updating the same site, a build that fails becoming a problem with Fix it, a bad
// token told in a sentence, and an Express app published as a sandbox that keeps running, reached
// without cookies until it is unpublished. The Netlify stand-in is held to Netlify's published API
// by tests/integration/netlify-contract.test.ts.
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { FakeNetlify } from '../fakes/fake-netlify';
import { sendPrompt, startStack } from './harness';

let stack: Awaited<ReturnType<typeof startStack>>;
let netlify: FakeNetlify;
let page: Page;

beforeAll(async () => {
  netlify = new FakeNetlify({ siteUrls: 'subdomain' });
  const apiUrl = await netlify.start(25250);
  stack = await startStack({ SANDBOX_PROVIDER: 'local', SANDBOX_CREATES_PER_MINUTE: '30', NETLIFY_API_URL: apiUrl, PUBLISH_LOCAL_SANDBOXES: 'true' });
});
afterAll(async () => {
  await stack?.stop();
  await netlify?.stop();
});
beforeEach(async () => {
  stack.fake.reset();
  page = await (await stack.browser.newContext({ viewport: { width: 1400, height: 900 } })).newPage();
});

const dialog = (p: Page) => p.getByRole('dialog', { name: 'Publish' });

/** A Vite app whose page says `text`; `broken` imports a module that does not exist, so `vite build` fails. */
function viteApp(text: string, options: { broken?: boolean } = {}) {
  const pkg = JSON.stringify({ name: 'site', private: true, type: 'module', scripts: { dev: 'vite', build: 'vite build' }, devDependencies: { vite: '^5.4.0' } }, null, 2);
  const main = `${options.broken ? "import { missing } from './does-not-exist.js';\nconsole.log(missing);\n" : ''}document.querySelector('#app').innerHTML = '<h1>${text}</h1>';\n`;
  const html = '<!doctype html>\n<html><head><title>Site</title></head><body><div id="app"></div><script type="module" src="/src/main.js"></script></body></html>\n';
  return `Here is ${text}.\n\n<boltArtifact id="site" title="Site"><boltAction type="file" filePath="package.json">${pkg}</boltAction><boltAction type="file" filePath="index.html">${html}</boltAction><boltAction type="file" filePath="src/main.js">${main}</boltAction><boltAction type="shell">npm install</boltAction></boltArtifact>`;
}

/** Waits until the last answer's `npm install` has run (and so every action before it). */
async function actionsDone(p: Page) {
  const install = p.getByTestId('action').filter({ hasText: 'npm install' }).last();
  await expect.poll(() => install.getAttribute('data-state').catch(() => null), { timeout: 240_000, interval: 1000 }).toBe('complete');
}

async function openDialog(p: Page) {
  if ((await dialog(p).count()) === 0) await p.getByRole('button', { name: 'Publish', exact: true }).click();
}

async function publishedUrl(p: Page) {
  const link = dialog(p).getByRole('link', { name: 'Published URL' });
  await expect.poll(() => link.count(), { timeout: 240_000, interval: 1000 }).toBe(1);
  return (await link.getAttribute('href'))!;
}

/** The page at `url` in a fresh browser context (no cookies: what any visitor gets). */
async function visit(url: string, heading: string) {
  const context = await stack.browser.newContext();
  try {
    const visitor = await context.newPage();
    const response = await visitor.goto(url);
    if (response?.status() !== 200) return `HTTP ${response?.status()}`;
    await visitor.getByRole('heading', { name: heading }).waitFor({ timeout: 10_000 }).catch(() => {});
    return (await visitor.getByRole('heading').allInnerTexts()).join(' | ');
  } finally {
    await context.close();
  }
}

describe('publishing a static site', () => {
  it('a Vite app is built in its runtime and published to Netlify; a bad token gets its sentence; publishing again updates the same site', async () => {
    // The follow-up streams for ~9 s (35 chunks, 250 ms apart): Publish again is clicked while it is written.
    stack.fake.script({ match: 'second', reply: viteApp('Hello from Vite two'), chunkSize: 20, delayMs: 250 }, { match: 'vite', reply: viteApp('Hello from Vite one') });
    await page.goto(stack.app.url);
    await sendPrompt(page, 'Build me a vite page');
    await page.waitForURL(/\/chat\/\w+/);
    await actionsDone(page);

    await openDialog(page);
    expect(await dialog(page).innerText()).toContain('Suggested: a static host (Netlify or Vercel), because its build (`vite build`) makes static files.');
    // No server token: the dialog asks for one. A wrong one is refused by Netlify, in a sentence.
    await dialog(page).getByLabel('Netlify token').fill('nfp_wrongwrongwrongwrong');
    await dialog(page).getByRole('button', { name: 'Save token' }).click();
    await dialog(page).getByRole('button', { name: 'Publish', exact: true }).click();
    const refusal = dialog(page).getByRole('alert');
    await expect.poll(() => refusal.count(), { timeout: 240_000, interval: 1000 }).toBe(1);
    expect(await refusal.innerText()).toMatch(/^Netlify refused the token \(HTTP 401\).*Paste a new one\.$/);
    expect(netlify.sites.size).toBe(0);

    // The dialog asks for another token at once.
    expect(await dialog(page).getByText('Netlify refused the token: paste another.').count()).toBe(1);
    await dialog(page).getByLabel('Netlify token').fill(netlify.token);
    await dialog(page).getByRole('button', { name: 'Save token' }).click();
    await expect.poll(() => dialog(page).getByText('Using the Netlify token you pasted').count()).toBe(1);
    await dialog(page).getByRole('button', { name: 'Publish', exact: true }).click();
    const url = await publishedUrl(page);
    expect(url).toMatch(/^http:\/\/vite-page\.netlify\.localhost:\d+\/$|^http:\/\/[a-z0-9-]+\.netlify\.localhost:\d+\/$/);
    expect(await visit(url, 'Hello from Vite one')).toBe('Hello from Vite one');
    expect(await dialog(page).getByLabel('Publish progress').innerText()).toMatch(/vite build[\s\S]*Build output: dist\/ \(\d+ files\)[\s\S]*Live at/);
    // E2E_SCREENSHOT_DIR=docs/images: the README's picture of Publish.
    if (process.env.E2E_SCREENSHOT_DIR) await page.screenshot({ path: `${process.env.E2E_SCREENSHOT_DIR}/publish.png` });

    // A follow-up, and Publish again while it is still being written: the same site, the page the follow-up ends with.
    await dialog(page).getByRole('button', { name: 'Close' }).click();
    await sendPrompt(page, 'Make it the second page');
    await expect.poll(() => page.getByText('Here is Hello from Vite two.').count(), { timeout: 60_000, interval: 100 }).toBe(1);
    await openDialog(page);
    await dialog(page).getByRole('button', { name: 'Publish again' }).click();
    await expect.poll(() => dialog(page).getByLabel('Publish progress').innerText(), { timeout: 5_000 }).toContain('Waiting for the answer to finish and its commands to run…');
    await expect
      .poll(() => visit(url, 'Hello from Vite two'), { timeout: 240_000, interval: 2000 })
      .toBe('Hello from Vite two')
      .catch(async (error: Error) => {
        // Seen once in CI (the old page stayed): say what the second publish did.
        const log = await dialog(page).getByLabel('Publish progress').innerText().catch(() => '(no progress log)');
        throw new Error(`${error.message}\nThe dialog's progress log:\n${log.slice(-3000)}`);
      });
    expect([...netlify.sites.values()].filter((site) => !site.deleted)).toHaveLength(1);
    // The token never reached the browser: not in the page, not in what the server sent it.
    expect(await page.content()).not.toContain(netlify.token);
  }, 600_000);

  it('a build that fails publishes nothing and becomes a problem with Fix it', async () => {
    stack.fake.script({ match: 'broken', reply: viteApp('Broken', { broken: true }) });
    await page.goto(stack.app.url);
    await sendPrompt(page, 'Build me a broken vite page');
    await page.waitForURL(/\/chat\/\w+/);
    await actionsDone(page);
    await page.evaluate((token) => fetch('/api/publish/token', { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ host: 'netlify', token }) }), netlify.token);
    const sites = netlify.sites.size;
    await openDialog(page);
    await dialog(page).getByRole('button', { name: 'Publish', exact: true }).click();
    const failed = dialog(page).getByRole('alert');
    await expect.poll(() => failed.count(), { timeout: 240_000, interval: 1000 }).toBe(1);
    expect(await failed.innerText()).toBe('The build failed (`npm run build` exited with code 1); nothing was published. The problem is in the chat, with Fix it.');
    const problem = page.getByRole('alert', { name: 'The app failed' });
    expect(await problem.innerText()).toContain('npm run build');
    expect(await problem.getByRole('button', { name: 'Fix it' }).count()).toBe(1);
    expect(netlify.sites.size).toBe(sites);
  }, 400_000);
});

describe('publishing an app with a server', () => {
  it('an Express app is published as a sandbox that keeps running: its URL answers without cookies, and after Unpublish it does not', async () => {
    const pkg = JSON.stringify({ name: 'api', private: true, scripts: { start: 'node server.js' }, dependencies: { express: '^4.21.2' } }, null, 2);
    const server = "const express = require('express');\nconst app = express();\napp.get('/', (req, res) => res.send('<h1>Hello from Express</h1>'));\napp.listen(process.env.PORT || 3000, '0.0.0.0');\n";
    stack.fake.script({ match: 'express', reply: `Here it is.\n\n<boltArtifact id="api" title="API"><boltAction type="file" filePath="package.json">${pkg}</boltAction><boltAction type="file" filePath="server.js">${server}</boltAction><boltAction type="shell">npm install</boltAction><boltAction type="start">node server.js</boltAction></boltArtifact>` });
    await page.goto(stack.app.url);
    await sendPrompt(page, 'Build me an express hello app');
    await page.waitForURL(/\/chat\/\w+/);
    await actionsDone(page);

    await openDialog(page);
    expect(await dialog(page).innerText()).toContain('Suggested: an AppForge sandbox, because it has a server of its own (express).');
    expect(await dialog(page).getByRole('radio', { name: 'AppForge sandbox' }).isChecked()).toBe(true);
    // The note comes with the publish targets, which the dialog asks the server for when it opens.
    await expect.poll(() => dialog(page).getByLabel('What it costs').innerText()).toMatch(/^Keeps a sandbox on this server running until you unpublish it/);
    await dialog(page).getByRole('button', { name: 'Publish', exact: true }).click();
    const url = await publishedUrl(page);
    expect(await visit(url, 'Hello from Express')).toBe('Hello from Express');
    // It is a sandbox of its own: the chat's sandbox can stop, the published app keeps answering.
    const sandboxes = await page.evaluate(async () => ((await (await fetch('/api/sandboxes')).json()) as { sandboxes: Array<{ published?: boolean }> }).sandboxes);
    expect(sandboxes.filter((s) => s.published)).toHaveLength(1);

    await dialog(page).getByRole('button', { name: 'Unpublish' }).click();
    await expect.poll(() => dialog(page).getByLabel('Publish progress').innerText(), { timeout: 60_000 }).toContain('Unpublished');
    expect(await visit(url, 'Hello from Express')).toMatch(/^HTTP (404|410)$/);
  }, 400_000);
});
