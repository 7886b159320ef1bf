// The README's main command, `npm run dev`, as a new user meets it: typing before the page is
// interactive, Vite's usual HMR port taken by another process, a TypeScript project building in a
// sandbox, and a second instance beside the first.
import { readFileSync } from 'node:fs';
import { connect, createServer, type Server } from 'node:net';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getWithHost, startApp, startStack, TEST_KEY, type App } from './harness';

const answer = (name: string) => readFileSync(new URL(`../fixtures/answers/${name}`, import.meta.url), 'utf8');
const TSCONFIG = '{\n  "compilerOptions": { "target": "ES2022", "module": "ESNext", "moduleResolution": "bundler", "jsx": "react-jsx", "strict": true, "noEmit": true },\n  "include": ["src"]\n}\n';
// The Vite counter as a TypeScript project: its tsconfig.json, written in the sandbox, once made the app's own dev server reload the page.
const TS_COUNTER = answer('vite-react-counter.txt').replace('<boltAction type="shell">', `<boltAction type="file" filePath="tsconfig.json">${TSCONFIG}</boltAction>\n<boltAction type="shell">`);

let hmrPortHolder: Server | null = null;
let stack: Awaited<ReturnType<typeof startStack>>;

/** Holds Vite's default HMR port, as another Vite app or a second instance would. */
async function holdPort(port: number): Promise<Server | null> {
  const server = createServer();
  return new Promise((resolve) => {
    server.once('error', () => resolve(null)); // already taken by someone else: held all the same
    server.listen(port, '127.0.0.1', () => resolve(server));
  });
}

/** Counts full page loads (document requests of the main frame): a reload the user did not ask for shows here. */
function watchLoads(page: Page) {
  const loads: string[] = [];
  page.on('request', (request) => {
    if (request.resourceType() === 'document' && request.frame() === page.mainFrame()) loads.push(new URL(request.url()).pathname);
  });
  const hmr: string[] = [];
  page.on('console', (message) => {
    if (message.text().startsWith('[vite]')) hmr.push(message.text());
  });
  return { loads, hmr };
}

beforeAll(async () => {
  hmrPortHolder = await holdPort(24678);
  stack = await startStack({ SANDBOX_PROVIDER: 'local' }, { mode: 'dev' });
});
afterAll(async () => {
  await stack?.stop();
  await new Promise((resolve) => (hmrPortHolder ? hmrPortHolder.close(resolve) : resolve(null)));
});

describe('npm run dev', () => {
  it('keeps what is typed right after navigation, sends it, and keeps an unsent draft across a reload', async () => {
    stack.fake.script({ match: 'typed at once', reply: answer('three-files.txt'), chunkSize: 40, delayMs: 10 });
    const page = await (await stack.browser.newContext()).newPage();
    const { loads, hmr } = watchLoads(page);
    const prompt = 'build me a counter page, typed at once before the page is interactive';
    // No wait for hydration: the person types as soon as the box is there.
    await page.goto(stack.app.url, { waitUntil: 'commit' });
    const box = page.getByRole('textbox', { name: 'Prompt' });
    await box.pressSequentially(prompt, { delay: 15 });
    await expect.poll(() => box.inputValue(), { timeout: 10_000 }).toBe(prompt);
    const send = page.getByRole('button', { name: 'Send' });
    await expect.poll(() => send.isEnabled(), { timeout: 20_000 }).toBe(true);
    expect(await box.inputValue()).toBe(prompt);
    expect(loads).toEqual(['/']);
    await send.click();
    await page.waitForURL(/\/chat\/\w+/);
    await expect.poll(() => page.getByRole('tree', { name: 'Files' }).getByRole('treeitem', { name: 'package.json' }).count(), { timeout: 30_000 }).toBe(1);
    // The model got exactly what was typed.
    const lastUser = JSON.stringify(stack.fake.requests.at(-1)?.messages.at(-1));
    expect(lastUser).toContain(prompt);
    // HMR connects over the app's own port, although 24678 is taken.
    expect(hmr).toContain('[vite] connected.');
    expect(stack.app.logs.join('')).not.toMatch(/Port 24678 is already in use/);

    // An unsent follow-up survives a reload of the chat.
    const followUp = page.getByRole('textbox', { name: 'Prompt' });
    await followUp.fill('now make the button blue');
    await page.reload();
    await expect.poll(() => page.getByRole('textbox', { name: 'Prompt' }).inputValue(), { timeout: 20_000 }).toBe('now make the button blue');
    expect(await page.content()).not.toContain(TEST_KEY);
  });

  it('never reloads the workbench while a TypeScript project builds and runs in a sandbox', async () => {
    stack.fake.script({ match: 'TypeScript counter', reply: TS_COUNTER, chunkSize: 60, delayMs: 10 });
    const page = await (await stack.browser.newContext({ viewport: { width: 1400, height: 900 } })).newPage();
    const { loads } = watchLoads(page);
    await page.goto(stack.app.url, { waitUntil: 'commit' });
    await page.getByRole('textbox', { name: 'Prompt' }).pressSequentially('A TypeScript counter with Vite and React', { delay: 5 });
    await expect.poll(() => page.getByRole('button', { name: 'Send' }).isEnabled(), { timeout: 20_000 }).toBe(true);
    await page.getByRole('button', { name: 'Send' }).click();
    await page.waitForURL(/\/chat\/\w+/);
    await page.getByRole('tab', { name: 'Preview' }).click();
    const frame = page.frameLocator('iframe[title="Preview"]');
    await expect.poll(() => frame.getByRole('button', { name: 'count is 0' }).count(), { timeout: 170_000, interval: 1000 }).toBe(1);
    await frame.getByRole('button', { name: 'count is 0' }).click();
    await expect.poll(() => frame.getByRole('button', { name: 'count is 1' }).count()).toBe(1);
    // The sandbox wrote tsconfig.json and node_modules; the page was loaded twice (landing, chat) and never again.
    expect(loads).toEqual(['/']);
    expect(stack.app.logs.join('')).not.toMatch(/tsconfig|full-reload|page reload/i);
  });

  it('serves nothing of the sandbox data dir, and a second instance runs beside the first with working HMR', async () => {
    const secretPath = `${stack.app.dataDir}/session-secret`;
    const secret = readFileSync(secretPath, 'utf8').trim();
    for (const path of [`/@fs${secretPath}`, `/@fs${secretPath}?raw`, `/@fs${stack.app.dataDir}/sandboxes/`]) {
      const response = await fetch(`${stack.app.url}${path}`);
      expect(await response.text(), path).not.toContain(secret);
      expect(response.status, path).toBeGreaterThanOrEqual(400);
    }
    // Odd upgrade targets (which a URL parser rejects) cost only their connection.
    for (const target of ['//', '//x', '/%', 'http://[::1']) {
      await new Promise<void>((resolve) => {
        const socket = connect(stack.app.port, '127.0.0.1', () => socket.write(`GET ${target} HTTP/1.1\r\nHost: localhost:${stack.app.port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Protocol: vite-hmr\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n`));
        socket.on('close', () => resolve());
        socket.on('error', () => resolve());
        setTimeout(() => socket.destroy(), 2000);
      });
    }
    expect((await fetch(`${stack.app.url}/api/health`)).status).toBe(200);
    // Vite's CORS is off: a preview origin gets no Access-Control-Allow-Origin from the dev server.
    const fromPreview = await getWithHost(stack.app.url, stack.app.url, '/app/root.tsx', { origin: `http://abc.localhost:${stack.app.port}` });
    expect(fromPreview.headers['access-control-allow-origin']).toBeUndefined();

    let second: App | null = null;
    try {
      second = await startApp({ OPENROUTER_BASE_URL: 'http://127.0.0.1:9', OPENROUTER_API_KEY: TEST_KEY }, { mode: 'dev' });
      for (const app of [stack.app, second]) {
        const page = await (await stack.browser.newContext()).newPage();
        const { loads, hmr } = watchLoads(page);
        await page.goto(app.url);
        await expect.poll(() => hmr, { timeout: 20_000 }).toContain('[vite] connected.');
        expect(loads).toEqual(['/']);
        await page.close();
      }
      expect(second.logs.join('')).not.toMatch(/already in use|WebSocket server error/);
    } finally {
      await second?.stop();
    }
  });
});
