import { readFileSync } from 'node:fs';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { sendPrompt, startStack, TEST_KEY } from './harness';

const ANSWER = readFileSync(new URL('../fixtures/answers/three-files.txt', import.meta.url), 'utf8');

let stack: Awaited<ReturnType<typeof startStack>>;
let page: Page;

beforeAll(async () => {
  stack = await startStack();
});
afterAll(async () => {
  await stack?.stop();
});
beforeEach(async () => {
  stack.fake.reset();
  page = await (await stack.browser.newContext()).newPage();
});

const editorText = (p: Page) => p.locator('.cm-content').innerText();

describe('prompt → streamed artifact → files, editor, actions', () => {
  it('builds the project live, shows each action state, falls back to the cloud when WebContainer cannot boot, and restores it on reload', async () => {
    // ~40 chunks a second, so the test can watch the files arrive while the answer streams.
    stack.fake.script({ match: 'counter', reply: ANSWER, chunkSize: 12, delayMs: 25 });
    await page.goto(stack.app.url);
    await sendPrompt(page, 'build me a counter page');
    await page.waitForURL(/\/chat\/\w+/);

    const tree = page.getByRole('tree', { name: 'Files' });
    await expect.poll(() => tree.getByRole('treeitem', { name: 'package.json' }).count(), { timeout: 15_000 }).toBe(1);
    // The answer is still streaming while the first file is already in the tree.
    expect(await page.getByRole('button', { name: 'Stop' }).isVisible()).toBe(true);

    // The editor follows the file being written, and fills in as it streams.
    await expect.poll(() => editorText(page), { timeout: 15_000 }).toContain('document.querySelector');
    await expect.poll(() => editorText(page), { timeout: 15_000 }).toContain('COUNTER_SENTINEL_END');
    await expect.poll(() => tree.getByRole('treeitem').allInnerTexts(), { timeout: 5_000 }).toEqual(expect.arrayContaining([expect.stringContaining('index.html')]));
    expect(await tree.getByRole('treeitem', { name: 'main.js' }).count()).toBe(1);

    // Prose is rendered as markdown around a card for the artifact.
    await expect.poll(() => page.getByText('Click the button to count.').count(), { timeout: 15_000 }).toBe(1);
    const card = page.getByRole('region', { name: 'Artifact Counter page' });
    const actions = card.getByTestId('action');
    await expect.poll(() => actions.count()).toBe(4);
    await expect.poll(async () => (await actions.evaluateAll((els) => els.map((e) => e.getAttribute('data-state')))).slice(0, 3), { timeout: 10_000 }).toEqual(['complete', 'complete', 'complete']);

    // WebContainer cannot boot on this machine: the workbench says so and moves the project to a
    // cloud sandbox (the Local provider here), where the command runs.
    const runtime = page.getByRole('status', { name: 'Runtime' });
    await expect.poll(() => runtime.innerText(), { timeout: 40_000 }).toMatch(/Moved to a cloud sandbox because the in-browser runtime could not start \(.+\)/);
    await expect.poll(() => actions.nth(3).getAttribute('data-state'), { timeout: 90_000 }).toBe('complete');
    // Files that the command created in the sandbox come back into the tree.
    await expect.poll(() => tree.getByRole('treeitem', { name: 'package-lock.json' }).count(), { timeout: 20_000 }).toBe(1);

    // A reload restores the chat, the files and the action states.
    await page.waitForTimeout(700); // the debounced save
    await page.reload();
    await expect.poll(() => page.getByText('Click the button to count.').count(), { timeout: 10_000 }).toBe(1);
    await expect.poll(() => page.getByRole('tree', { name: 'Files' }).getByRole('treeitem', { name: 'index.html' }).count(), { timeout: 10_000 }).toBe(1);
    await page.getByRole('treeitem', { name: 'src' }).getByRole('treeitem', { name: 'main.js' }).click();
    await expect.poll(() => editorText(page), { timeout: 10_000 }).toContain('COUNTER_SENTINEL_END');
    const restored = page.getByRole('region', { name: 'Artifact Counter page' }).getByTestId('action');
    expect(await restored.evaluateAll((els) => els.map((e) => e.getAttribute('data-state')))).toEqual(['complete', 'complete', 'complete', 'complete']);
    // The chat reattaches to its sandbox.
    await expect.poll(() => page.getByRole('status', { name: 'Runtime' }).innerText(), { timeout: 20_000 }).toMatch(/^Moved to a cloud sandbox because the in-browser runtime could not start/);
    expect(await page.getByText('build me a counter page').count()).toBeGreaterThan(0);

    // The key stays on the server.
    expect(await page.content()).not.toContain(TEST_KEY);
  });
});
