import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deferredIn, scriptsSettled, watchScripts } from '../support/scripts-loaded';
import { sendPrompt, startStack } from './harness';

// What a chat loads first, and what only when used (npm run bench:bundle measures the same in bytes).
// The deferred modules are known by their content (tests/support/scripts-loaded.ts): one imported
// statically again fails this test wherever its code lands.

const FILE_ONLY = '<boltArtifact id="b" title="B"><boltAction type="file" filePath="index.html"><h1>hi</h1></boltAction></boltArtifact>';
const PROSE_AND_COMMAND =
  'Here is **a heading** and a list:\n\n- one\n- two\n\n<boltArtifact id="c" title="C"><boltAction type="file" filePath="index.html"><h1>hi there</h1></boltAction><boltAction type="shell">echo appforge-bundle-$((6 * 7))</boltAction></boltArtifact>';

let stack: Awaited<ReturnType<typeof startStack>>;

beforeAll(async () => {
  stack = await startStack();
});
afterAll(async () => {
  await stack?.stop();
});

describe("a chat's first load", () => {
  it('leaves out the terminal, Markdown, the diff view and the zip code until each is used', async () => {
    const page = await (await stack.browser.newContext({ acceptDownloads: true })).newPage();
    const scripts = watchScripts(page, stack.app.url);
    stack.fake.script({ match: 'a page', reply: FILE_ONLY, times: 1 }, { match: 'a change', reply: PROSE_AND_COMMAND, times: 1 });

    // The landing page: none of them (nor WebContainer).
    await page.goto(stack.app.url, { waitUntil: 'networkidle' });
    expect(deferredIn(await scripts.snapshot())).toEqual([]);

    // A chat with a file in the tree and the editor: WebContainer (the in-browser runtime boots for
    // the page), nothing else. The terminal panel is there, waiting for output.
    await sendPrompt(page, 'a page');
    await page.getByRole('treeitem', { name: 'index.html' }).waitFor();
    await page.locator('.cm-content').waitFor();
    await page.waitForLoadState('networkidle');
    const terminal = page.getByRole('log', { name: 'Terminal' });
    // WebContainer cannot boot here, and the move to a cloud sandbox happens at once: its notice is
    // the terminal's first output, which loads the terminal. Without output it stays unloaded.
    const first = deferredIn(await scripts.snapshot());
    const moved = (await terminal.innerText()).includes('Moved to a cloud sandbox');
    expect(first).toEqual(moved ? ['terminal', 'webcontainer'] : ['webcontainer']);
    if (!moved) expect(await terminal.innerText()).toContain('No output yet');

    // The version's diff loads @codemirror/merge.
    await page.getByRole('button', { name: 'Show changes' }).click();
    await page.locator('[aria-label="Diff of index.html"]').waitFor();
    expect(deferredIn(await scripts.snapshot())).toContain('diff');
    await page.getByRole('tab', { name: 'Code' }).click();

    // An answer with prose loads Markdown (the prose shows as text until then); its command's
    // output loads the terminal, which shows everything written before it had loaded: the notice
    // that the project moved to a cloud sandbox (WebContainer cannot boot here) comes first.
    await sendPrompt(page, 'a change');
    await page.locator('[data-role=assistant] strong', { hasText: 'a heading' }).waitFor();
    await expect.poll(() => page.locator('[data-role=assistant] > ul > li').allInnerTexts()).toEqual(['one', 'two']);
    await terminal.locator('.xterm').waitFor();
    await expect.poll(() => terminal.innerText(), { timeout: 90_000 }).toContain('appforge-bundle-42');
    const shown = await terminal.innerText();
    expect(shown).toContain('Moved to a cloud sandbox');
    expect(shown.indexOf('Moved to a cloud sandbox')).toBeLessThan(shown.indexOf('$ echo appforge-bundle'));
    expect(shown).not.toContain('No output yet');

    // Download zip loads the zip code.
    await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download zip' }).click()]);
    await scriptsSettled(page, scripts);
    expect(deferredIn(await scripts.snapshot())).toEqual(['terminal', 'markdown', 'diff', 'webcontainer', 'zip']);
  });
});
