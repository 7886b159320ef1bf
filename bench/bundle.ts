// npm run bench:bundle — gzip bytes of the JavaScript the browser loads: for `/` before any prompt,
// and for the workbench (a chat with files open: editor, terminal). The editor, the terminal and
// WebContainer are split out and load only when needed; this shows that they do.
import { execFileSync } from 'node:child_process';
import { gzipSync } from 'node:zlib';
import { FakeOpenAI } from '../tests/fakes/fake-openai';
import { startApp, TEST_KEY } from '../tests/support/app-server';
import { launchChromium } from '../tests/support/browser';
import { ensureTestDeps } from '../scripts/ensure-test-deps.mjs';

const ROOT = new URL('..', import.meta.url).pathname;
const ANSWER = '<boltArtifact id="b" title="B"><boltAction type="file" filePath="index.html"><h1>hi</h1></boltAction></boltArtifact>';

async function main() {
  const chrome = (ensureTestDeps as () => string)();
  execFileSync('npx', ['remix', 'vite:build'], { cwd: ROOT, stdio: 'ignore', env: { ...process.env, NODE_ENV: 'production' } });
  const fake = new FakeOpenAI();
  const app = await startApp({ OPENROUTER_BASE_URL: await fake.start(), OPENROUTER_API_KEY: TEST_KEY, DEFAULT_MODEL: 'fake/coder', SANDBOX_PROVIDER: 'local' });
  const browser = await launchChromium(chrome);
  try {
    const page = await (await browser.newContext()).newPage();
    const loaded = new Map<string, Buffer>();
    page.on('response', async (response) => {
      const url = response.url();
      if (url.startsWith(app.url) && /\.m?js(\?|$)/.test(new URL(url).pathname)) loaded.set(new URL(url).pathname, await response.body().catch(() => Buffer.alloc(0)));
    });
    await page.goto(app.url, { waitUntil: 'networkidle' });
    const landing = new Map(loaded);
    fake.script({ reply: ANSWER });
    await page.getByRole('textbox', { name: 'Prompt' }).fill('a page');
    await page.getByRole('button', { name: 'Send' }).click();
    await page.locator('.cm-content').waitFor();
    await page.getByRole('log', { name: 'Terminal' }).waitFor();
    await page.waitForLoadState('networkidle');
    const report = (files: Map<string, Buffer>) => {
      let raw = 0;
      let gzip = 0;
      for (const body of files.values()) {
        raw += body.length;
        gzip += gzipSync(body, { level: 9 }).length;
      }
      return { count: files.size, raw, gzip };
    };
    const kb = (n: number) => `${(n / 1024).toFixed(1)} KiB`;
    const a = report(landing);
    const b = report(loaded);
    const lazy = (name: string) => [...loaded.keys()].filter((p) => p.includes(name) && !landing.has(p)).map((p) => p.split('/').pop());
    console.log('bench:bundle — JavaScript the browser loads from the production build (gzip -9 of each file)');
    console.log(`/ before any prompt: ${a.count} files, ${kb(a.gzip)} gzip (${kb(a.raw)} raw)`);
    console.log(`workbench (chat with editor and terminal): ${b.count} files, ${kb(b.gzip)} gzip (${kb(b.raw)} raw)`);
    console.log(`loaded only with the workbench: ${[...loaded.keys()].filter((p) => !landing.has(p)).map((p) => p.split('/').pop()).join(', ')}`);
    console.log(`editor in the landing page: ${[...landing.keys()].some((p) => p.includes('CodeEditor')) ? 'yes' : 'no'}; terminal: ${[...landing.keys()].some((p) => p.includes('TerminalView')) ? 'yes' : 'no'}; lazily loaded: ${[...lazy('CodeEditor'), ...lazy('TerminalView')].join(', ')}`);
  } finally {
    await browser.close();
    await app.stop();
    await fake.stop();
  }
}

await main();
