import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFERRED, deferredIn, scriptsSettled, watchScripts, type Deferred } from '../support/scripts-loaded';
import { sendPrompt, startStack } from './harness';

// What a chat loads first, and what only when used (npm run bench:bundle measures the same in bytes).
// The deferred modules are known by their content (tests/support/scripts-loaded.ts): one imported
// statically again fails this test wherever its code lands.

const FILE_ONLY = '<boltArtifact id="b" title="B"><boltAction type="file" filePath="index.html"><h1>hi</h1></boltAction></boltArtifact>';
const PROSE_AND_COMMAND =
  'Here is **a heading** and a list:\n\n- one\n- two\n\n<boltArtifact id="c" title="C"><boltAction type="file" filePath="index.html"><h1>hi there</h1></boltAction><boltAction type="shell">echo appforge-bundle-$((6 * 7))</boltAction></boltArtifact>';

/** The in-browser runtime's modules: loaded only where it can boot (and the preview script once it has). */
const RUNTIME: Deferred[] = ['browser-runtime', 'webcontainer', 'preview-script'];

let stack: Awaited<ReturnType<typeof startStack>>;

beforeAll(async () => {
  stack = await startStack();
});
afterAll(async () => {
  await stack?.stop();
});

/** The editor's text as highlighted: runs of text with their classes (the highlight style's; not the matching brackets' marks). */
const tokens = (page: Page) =>
  page.locator('.cm-content').evaluate((content) => {
    const runs: Array<{ classes: string; text: string }> = [];
    const walker = document.createTreeWalker(content, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      const classes: string[] = [];
      for (let element = node.parentElement; element && !element.classList.contains('cm-line'); element = element.parentElement) classes.push(...[...element.classList].filter((name) => !/Bracket/.test(name)));
      const key = classes.sort().join(' ');
      const last = runs.at(-1);
      if (last && last.classes === key) last.text += node.textContent;
      else runs.push({ classes: key, text: node.textContent ?? '' });
    }
    return runs.map((run) => `${run.classes}:${run.text}`);
  });
const editorText = (page: Page) => page.locator('.cm-content').innerText();

describe("a chat's first load", () => {
  it('leaves out the terminal, Markdown, the diff view, the zip code, the editing keys, the full HTML pack and what only some chats use, until each is used', async () => {
    const page = await (await stack.browser.newContext({ acceptDownloads: true })).newPage();
    const scripts = watchScripts(page, stack.app.url);
    stack.fake.script({ match: 'a page', reply: FILE_ONLY, times: 1 }, { match: 'a change', reply: PROSE_AND_COMMAND, times: 1 });

    // The landing page: none of them.
    await page.goto(stack.app.url, { waitUntil: 'networkidle' });
    expect(deferredIn(await scripts.snapshot())).toEqual([]);

    // A chat with a file in the tree and the editor: the HTML parser alone highlights the page (it has
    // no script or style). The terminal panel is there, waiting for a command.
    await sendPrompt(page, 'a page');
    await page.getByRole('treeitem', { name: 'index.html' }).waitFor();
    await page.locator('.cm-content').waitFor();
    await page.waitForLoadState('networkidle');
    const terminal = page.getByRole('log', { name: 'Terminal' });
    const first = deferredIn(await scripts.snapshot());
    const shown = await terminal.innerText();
    // WebContainer cannot boot here, and the move to a cloud sandbox happens at once. Its notice is the
    // terminal's first output, shown as plain text: xterm.js waits for a command. Where StackBlitz's
    // servers are out of reach (as here), the in-browser runtime's code is not even downloaded.
    const moved = shown.includes('Moved to a cloud sandbox');
    expect(first.filter((name) => !RUNTIME.includes(name))).toEqual([]);
    if (/cannot be reached/.test(shown)) expect(first).toEqual([]);
    expect(await terminal.locator('.xterm').count()).toBe(0);
    expect(shown).toContain(moved ? 'Commands the project runs show here.' : 'No output yet');
    const runtime = first;

    // The version's diff loads @codemirror/merge.
    await page.getByRole('button', { name: 'Show changes' }).click();
    await page.locator('[aria-label="Diff of index.html"]').waitFor();
    expect(deferredIn(await scripts.snapshot())).toContain('diff');
    await page.getByRole('tab', { name: 'Code' }).click();

    // An answer with prose loads Markdown (the prose shows as text until then); its command loads
    // the terminal, which shows everything written before it had loaded: the notice that the
    // project moved to a cloud sandbox (WebContainer cannot boot here) comes first.
    await sendPrompt(page, 'a change');
    await page.locator('[data-role=assistant] strong', { hasText: 'a heading' }).waitFor();
    await expect.poll(() => page.locator('[data-role=assistant] > ul > li').allInnerTexts()).toEqual(['one', 'two']);
    await terminal.locator('.xterm').waitFor();
    await expect.poll(() => terminal.innerText(), { timeout: 90_000 }).toContain('appforge-bundle-42');
    const output = await terminal.innerText();
    if (moved) expect(output.indexOf('Moved to a cloud sandbox')).toBeLessThan(output.indexOf('$ echo appforge-bundle'));
    expect(output).not.toContain('No output yet');
    expect(output).not.toContain('Commands the project runs show here.');

    // Download zip loads the zip code.
    await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download zip' }).click()]);
    await scriptsSettled(page, scripts);
    expect(deferredIn(await scripts.snapshot())).toEqual(['terminal', 'markdown', 'diff', ...runtime, 'zip']);

    // Focusing the editor loads its keys and the full HTML pack (JavaScript and CSS with it). Keys
    // pressed at once wait for them and are not lost; undo works; the page is highlighted as before.
    await expect.poll(() => editorText(page)).toContain('<h1>hi there</h1>');
    const before = await tokens(page);
    // The tag names are highlighted (the highlight style leaves angle brackets and text plain).
    expect(before.filter((run) => !run.startsWith(':')).map((run) => run.slice(run.indexOf(':') + 1))).toEqual(['h1', 'h1']);
    const original = await editorText(page);
    // The keys' code arrives late, so that the keys below are pressed before it is there.
    await page.route('**/assets/*.js', async (route) => {
      const response = await route.fetch();
      if ((await response.text()).includes(DEFERRED.commands)) await new Promise((resolve) => setTimeout(resolve, 800));
      await route.fulfill({ response });
    });
    await page.locator('.cm-content').click();
    await page.keyboard.press('Control+End');
    await page.keyboard.type('xyz');
    expect(deferredIn(await scripts.snapshot())).not.toContain('commands');
    await expect.poll(() => editorText(page)).toMatch(/xyz\s*$/);
    for (let i = 0; i < 3 && (await editorText(page)).includes('xyz'); i++) await page.keyboard.press('Control+z');
    await expect.poll(() => editorText(page)).toBe(original);
    await scriptsSettled(page, scripts);
    expect(deferredIn(await scripts.snapshot())).toEqual(['terminal', 'markdown', 'diff', ...runtime, 'zip', 'html', 'javascript', 'css', 'commands']);
    await page.locator('.cm-content').blur();
    await expect.poll(() => tokens(page)).toEqual(before);
  });
});
