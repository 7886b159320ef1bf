// npm run bench:bundle — gzip bytes of the JavaScript the browser loads from the production build:
// (a) `/` before any prompt; (b) a chat's first load: a prompt whose answer writes index.html, until
// the file tree and the editor show it (the terminal, the Versions view and the diff are not
// opened); (b') the same chat opened again by its URL in a fresh tab; (c) everything used: the
// diff of that version, an answer with prose and a command (Markdown, the terminal), Download zip,
// and the editor focused (its keys, the full HTML pack).
// Each figure is what the tab has loaded so far. The modules deferred to first use are found by
// their content (tests/support/scripts-loaded.ts), so one imported statically again shows up
// wherever it lands.
import { execFileSync } from 'node:child_process';
import type { Page } from 'playwright-core';
import { FakeOpenAI } from '../tests/fakes/fake-openai';
import { startApp, TEST_KEY } from '../tests/support/app-server';
import { launchChromium } from '../tests/support/browser';
import { deferredIn, deferredInFile, scriptsSettled, sizes, watchScripts } from '../tests/support/scripts-loaded';
import { ensureTestDeps } from '../scripts/ensure-test-deps.mjs';

const ROOT = new URL('..', import.meta.url).pathname;
const ANSWER = '<boltArtifact id="b" title="B"><boltAction type="file" filePath="index.html"><h1>hi</h1></boltAction></boltArtifact>';
const PROSE_AND_COMMAND =
  'Here is **a heading** and a list:\n\n- one\n- two\n\n<boltArtifact id="c" title="C"><boltAction type="file" filePath="index.html"><h1>hi there</h1></boltAction><boltAction type="shell">echo bench-terminal</boltAction></boltArtifact>';

const kb = (n: number) => `${(n / 1024).toFixed(1)} KiB`;
const line = (label: string, files: Map<string, Buffer>) => {
  const { count, raw, gzip } = sizes(files);
  return `${label}: ${count} files, ${kb(gzip)} gzip (${kb(raw)} raw)`;
};
const deferred = (files: Map<string, Buffer>) => deferredIn(files).join(', ') || 'none';

async function main() {
  const chrome = (ensureTestDeps as () => string)();
  execFileSync('npx', ['remix', 'vite:build'], { cwd: ROOT, stdio: 'ignore', env: { ...process.env, NODE_ENV: 'production' } });
  const fake = new FakeOpenAI();
  const app = await startApp({ OPENROUTER_BASE_URL: await fake.start(), OPENROUTER_API_KEY: TEST_KEY, DEFAULT_MODEL: 'fake/coder', SANDBOX_PROVIDER: 'local' });
  const browser = await launchChromium(chrome);
  try {
    const context = await browser.newContext({ acceptDownloads: true });
    const page = await context.newPage();
    const scripts = watchScripts(page, app.url);

    // (a) The landing page.
    await page.goto(app.url, { waitUntil: 'networkidle' });
    const landing = await scripts.snapshot();

    // (b) A chat's first load: the answer's file in the tree and the editor.
    fake.script({ match: 'a page', reply: ANSWER, times: 1 }, { match: 'a change', reply: PROSE_AND_COMMAND, times: 1 });
    await page.getByRole('textbox', { name: 'Prompt' }).fill('a page');
    await page.getByRole('button', { name: 'Send' }).click();
    await page.getByRole('treeitem', { name: 'index.html' }).waitFor();
    await page.locator('.cm-content').waitFor();
    await page.waitForLoadState('networkidle');
    const chat = await scripts.snapshot();

    // (b') The same chat opened by its URL in a new tab (a reload, a link from the history).
    const reopened = await openAgain(page);

    // (c) Everything used: the version's diff, prose, terminal output, the zip.
    await page.getByRole('button', { name: 'Show changes' }).first().click();
    await page.locator('[aria-label="Diff of index.html"]').waitFor();
    await page.getByRole('tab', { name: 'Code' }).click();
    await page.getByRole('textbox', { name: 'Prompt' }).fill('a change');
    await page.getByRole('button', { name: 'Send' }).click();
    await page.locator('[data-role=assistant] strong', { hasText: 'a heading' }).waitFor();
    await page.getByRole('log', { name: 'Terminal' }).locator('.xterm').waitFor();
    await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download zip' }).click()]);
    await page.locator('.cm-content').click();
    await scriptsSettled(page, scripts);
    const all = await scripts.snapshot();

    console.log('bench:bundle — JavaScript the browser loads from the production build (gzip -9 of each file)');
    console.log(line('(a) / before any prompt', landing));
    console.log(line("(b) a chat's first load (from /: prompt, file tree, editor)", chat));
    console.log(line("(b') the same chat opened by its URL in a new tab", reopened));
    console.log(line('(c) everything used (diff, Markdown, terminal, zip, editor focused)', all));
    console.log(`deferred modules loaded — (a): ${deferred(landing)}; (b): ${deferred(chat)}; (b'): ${deferred(reopened)}; (c): ${deferred(all)}`);
    const onUse = [...all].filter(([path]) => !chat.has(path));
    console.log(
      `loaded only on use: ${onUse
        .map(([path, body]) => {
          const holds = deferredInFile(body);
          return `${path.split('/').pop()}${holds.length ? ` (${holds.join(', ')})` : ''}`;
        })
        .join(', ')} — ${kb(sizes(new Map(onUse)).gzip)} gzip`,
    );
  } finally {
    await browser.close();
    await app.stop();
    await fake.stop();
  }
}

/** Opens the page's chat by its URL in a new tab of the same browser context (the chat is saved in IndexedDB); what that tab loads. */
async function openAgain(page: Page): Promise<Map<string, Buffer>> {
  const tab = await page.context().newPage();
  const origin = new URL(page.url()).origin;
  const scripts = watchScripts(tab, origin);
  // Routed through Playwright, which turns the HTTP cache off: every script is fetched (and counted) again.
  await tab.route('**/*', (route) => route.continue());
  await tab.goto(page.url(), { waitUntil: 'networkidle' });
  await tab.getByRole('treeitem', { name: 'index.html' }).waitFor();
  await tab.locator('.cm-content').waitFor();
  await tab.waitForLoadState('networkidle');
  const files = await scripts.snapshot();
  await tab.close();
  return files;
}

await main();
