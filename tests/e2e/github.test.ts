// GitHub in and out, in Chromium against the built app with Local sandboxes: a repository URL
// typed on the landing page is cloned in a sandbox on the server, its files fill the tree and its
// preview comes up; after a change, "Create pull request" with a token pasted for the session
// pushes a branch and opens the pull request, whose link lands in the chat. GitHub is the loopback
// fake (git http-backend + REST) on an address sandboxes are allowed to reach.
import { networkInterfaces } from 'node:os';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeGitHub } from '../fakes/fake-github';
import { startStack, type Stack } from './harness';

const hostAddress = Object.values(networkInterfaces())
  .flat()
  .find((a) => a && a.family === 'IPv4' && !a.internal)!.address;
const github = new FakeGitHub();
let stack: Stack;
let base = '';

const server = (greeting: string) => `const http = require('http');
http.createServer((req, res) => {
  res.setHeader('Content-Type', 'text/html');
  res.end('<h1>${greeting}</h1>');
}).listen(process.env.PORT || 3000, process.env.HOST || '0.0.0.0');
`;

beforeAll(async () => {
  await github.start(hostAddress);
  base = github.createRepo('acme/hello', {
    'package.json': JSON.stringify({ name: 'hello', private: true, scripts: { start: 'node server.js' } }, null, 2),
    'server.js': server('Hello from acme/hello'),
    'README.md': '# Hello\n',
    'docs/logo.png': '\u0000\u0001binary',
  });
  // No GITHUB_TOKEN on the server: the public repository is cloned without one; the pull request asks for one.
  stack = await startStack({ SANDBOX_PROVIDER: 'local', GITHUB_URL: github.url, GITHUB_API_URL: github.apiUrl, SANDBOX_NETWORK_ALLOW: `${hostAddress}/32` });
});

afterAll(async () => {
  await stack?.stop();
  await github.stop();
});

async function importRepo(page: Page, app = stack.app) {
  await page.goto(app.url);
  await page.getByRole('textbox', { name: 'GitHub repository URL' }).fill(`${github.url}/acme/hello`);
  await page.getByRole('button', { name: 'Import from GitHub' }).click();
  await expect.poll(() => page.url(), { timeout: 60_000 }).toMatch(/\/chat\/[a-z0-9]+$/);
}

describe('GitHub', () => {
  it('imports a repository: its text files fill the tree, what is left out is said, and its preview comes up', async () => {
    const page = await (await stack.browser.newContext({ viewport: { width: 1400, height: 900 } })).newPage();
    await importRepo(page);
    for (const file of ['package.json', 'server.js', 'README.md']) await expect.poll(() => page.getByRole('treeitem', { name: file }).count(), { timeout: 15_000 }).toBe(1);
    await expect.poll(() => page.getByText(`Imported 3 files from acme/hello (branch main, commit ${base.slice(0, 7)}).`).count()).toBe(1);
    await expect.poll(() => page.getByText('docs/logo.png: not a text file').count()).toBe(1);
    await page.getByRole('tab', { name: 'Preview' }).click();
    const preview = page.frameLocator('iframe[title="Preview"]');
    await expect.poll(() => preview.getByRole('heading', { name: 'Hello from acme/hello' }).count(), { timeout: 120_000, interval: 500 }).toBe(1);
    await page.context().close();
  }, 180_000);

  it('opens a pull request with the chat\'s change, after a token is pasted for the session; the link lands in the chat', async () => {
    const page = await (await stack.browser.newContext({ viewport: { width: 1400, height: 900 } })).newPage();
    await importRepo(page);
    await expect.poll(() => page.getByRole('treeitem', { name: 'server.js' }).count(), { timeout: 15_000 }).toBe(1);
    stack.fake.script(
      { match: 'Write the pull request title', reply: 'Greet from AppForge\n\nThe page greets from AppForge now.' },
      { match: 'Change the greeting', reply: `Changed it. <boltArtifact id="greet" title="Greeting"><boltAction type="file" filePath="server.js">${server('Hi from AppForge')}</boltAction></boltArtifact>` },
    );
    await page.getByRole('textbox', { name: 'Prompt' }).fill('Change the greeting to Hi from AppForge');
    await page.getByRole('button', { name: 'Send' }).click();
    await expect.poll(() => page.getByText('Changed it.').count(), { timeout: 30_000 }).toBe(1);

    await page.getByRole('button', { name: 'Create pull request' }).click();
    const card = page.getByRole('region', { name: 'Pull request' });
    await card.getByRole('textbox', { name: 'GitHub token' }).fill(github.token);
    await card.getByRole('button', { name: 'Use token' }).click();
    await card.getByRole('button', { name: 'Create pull request' }).click();
    await expect.poll(() => card.getByRole('link', { name: 'Open pull request #1' }).count(), { timeout: 60_000 }).toBe(1);
    const progress = await card.getByRole('log', { name: 'Pull request progress' }).innerText();
    expect(progress).toMatch(/Cloning acme\/hello \(main\) in a sandbox…[\s\S]*Committing 1 change on appforge\/[\s\S]*Pushed appforge\/[\s\S]*Opened pull request #1: Greet from AppForge/);

    const pull = github.pulls[0];
    expect(pull).toMatchObject({ title: 'Greet from AppForge', base: 'main' });
    expect(github.fileAt('acme/hello', pull.head, 'server.js')).toContain('Hi from AppForge');
    expect(github.changesAt('acme/hello', pull.head)).toEqual(['M server.js']);
    await expect.poll(() => page.getByText(pull.url).count()).toBe(1);
    // The change runs in the preview too.
    await page.getByRole('tab', { name: 'Preview' }).click();
    await expect.poll(() => page.frameLocator('iframe[title="Preview"]').getByRole('heading', { name: 'Hi from AppForge' }).count(), { timeout: 60_000, interval: 500 }).toBe(1);
    // E2E_SCREENSHOT_DIR=docs/images: the README's picture of a pull request from a chat.
    if (process.env.E2E_SCREENSHOT_DIR) await page.screenshot({ path: `${process.env.E2E_SCREENSHOT_DIR}/pull-request.png` });
    // The token went to the server for this session; the page never gets it back.
    expect(await page.content()).not.toContain(github.token);
    await page.context().close();
  }, 180_000);
});

describe('GitHub import under `npm run dev`', () => {
  let dev: Stack;
  beforeAll(async () => {
    dev = await startStack({ SANDBOX_PROVIDER: 'local', GITHUB_URL: github.url, GITHUB_API_URL: github.apiUrl, SANDBOX_NETWORK_ALLOW: `${hostAddress}/32` }, { mode: 'dev' });
  });
  afterAll(async () => {
    await dev?.stop();
  });

  it('imports the repository as soon as the page is there, and its preview comes up', async () => {
    const page = await (await dev.browser.newContext({ viewport: { width: 1400, height: 900 } })).newPage();
    // No wait for hydration: what a person does at once.
    await importRepo(page, dev.app);
    await expect.poll(() => page.getByRole('treeitem', { name: 'server.js' }).count(), { timeout: 30_000 }).toBe(1);
    await page.getByRole('tab', { name: 'Preview' }).click();
    await expect.poll(() => page.frameLocator('iframe[title="Preview"]').getByRole('heading', { name: 'Hello from acme/hello' }).count(), { timeout: 120_000, interval: 500 }).toBe(1);
    await page.context().close();
  }, 240_000);
});
