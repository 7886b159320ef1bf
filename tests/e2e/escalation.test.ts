import { readFileSync } from 'node:fs';
import type { FrameLocator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sendPrompt, startStack, TEST_KEY } from './harness';

const answer = (name: string) => readFileSync(new URL(`../fixtures/answers/${name}`, import.meta.url), 'utf8');

let stack: Awaited<ReturnType<typeof startStack>>;
let page: Page;
let shareUrl = '';

beforeAll(async () => {
  stack = await startStack({ SANDBOX_PROVIDER: 'local' });
  page = await (await stack.browser.newContext({ viewport: { width: 1400, height: 900 } })).newPage();
});
afterAll(async () => {
  await stack?.stop();
});

const runtimeStatus = (p: Page) => p.getByRole('status', { name: 'Runtime' }).innerText();
const preview = (p: Page): FrameLocator => p.frameLocator('iframe[title="Preview"]');

describe('routing and escalation to a cloud sandbox (Local provider)', () => {
  it('runs an Express + bcrypt app in the cloud: the status says why, the stepper runs, the page renders in the Preview', async () => {
    // About 60 tokens a second.
    stack.fake.script({ match: 'bcrypt', reply: answer('bcrypt-signup.txt'), chunkSize: 16, delayMs: 66 });
    await page.goto(stack.app.url);
    await sendPrompt(page, 'Build an Express app where users sign up and passwords are hashed with bcrypt');
    await expect.poll(() => runtimeStatus(page), { timeout: 20_000 }).toMatch(/^Cloud sandbox: bcrypt is a native addon, which the browser runtime cannot load/);
    await page.getByRole('tab', { name: 'Preview' }).click();
    const stepper = page.getByRole('list', { name: 'Sandbox progress' });
    await expect.poll(() => stepper.locator('[data-step="creating"]').getAttribute('data-state'), { timeout: 20_000 }).toBe('done');
    expect(await stepper.locator('[data-step="creating"]').innerText()).toMatch(/\d+\.\ds/);
    await expect.poll(() => preview(page).getByRole('heading', { name: 'Signup works' }).count(), { timeout: 170_000, interval: 1000 }).toBe(1);
    expect(await preview(page).getByText('bcrypt verified: true').count()).toBe(1);
    expect(await page.content()).not.toContain(TEST_KEY);
  }, 200_000);

  it('shares the running app: the link opens it in a fresh browser without cookies, and stops working after Revoke', async () => {
    await page.getByRole('button', { name: 'Share' }).click();
    const dialog = page.getByRole('dialog', { name: 'Share' });
    await dialog.getByRole('button', { name: 'Create link' }).click();
    const link = dialog.getByRole('textbox', { name: 'Share link' });
    await expect.poll(() => link.inputValue()).toMatch(/^http:\/\/[a-z2-7]{32}\.localhost:\d+\/$/);
    shareUrl = await link.inputValue();

    const stranger = await stack.browser.newContext();
    const other = await stranger.newPage();
    await other.goto(shareUrl);
    expect(await other.getByRole('heading', { name: 'Signup works' }).count()).toBe(1);
    expect(await stranger.cookies(stack.app.url)).toEqual([]);

    await dialog.getByRole('button', { name: /^Revoke link/ }).click();
    await expect.poll(() => dialog.getByRole('textbox', { name: 'Share link' }).count()).toBe(0);
    const response = await other.goto(shareUrl);
    expect(response?.status()).toBe(410);
    expect(await other.getByText('expired or was revoked').count()).toBe(1);
    await stranger.close();
  });

  it('runs a Vite + React counter: the router says browser, WebContainer cannot boot, the fallback brings it up in the cloud, and an edit reaches the preview', async () => {
    stack.fake.script({ match: 'counter', reply: answer('vite-react-counter.txt'), chunkSize: 24, delayMs: 20 });
    const counter = await (await stack.browser.newContext({ viewport: { width: 1400, height: 900 } })).newPage();
    await counter.goto(stack.app.url);
    await sendPrompt(counter, 'Build a counter with Vite and React');
    await expect.poll(() => counter.getByRole('treeitem', { name: 'package.json' }).count(), { timeout: 20_000 }).toBe(1);
    // First the router's choice, then the fallback with its reason.
    await expect.poll(() => runtimeStatus(counter), { timeout: 30_000 }).toMatch(/Moved to a cloud sandbox because the in-browser runtime could not start/);
    await counter.getByRole('tab', { name: 'Preview' }).click();
    const frame = preview(counter);
    await expect.poll(() => frame.getByRole('button', { name: 'count is 0' }).count(), { timeout: 170_000, interval: 1000 }).toBe(1);
    await frame.getByRole('button', { name: 'count is 0' }).click();
    await expect.poll(() => frame.getByRole('button', { name: 'count is 1' }).count()).toBe(1);

    // Edit App.tsx in the editor: the change is written to the sandbox and Vite updates the preview through the proxy.
    await counter.getByRole('tab', { name: 'Code' }).click();
    await counter.getByRole('treeitem', { name: 'src' }).getByRole('treeitem', { name: 'App.tsx' }).click();
    await expect.poll(() => counter.locator('.cm-content').innerText()).toContain("const TITLE = 'Vite counter';");
    await counter.locator('.cm-content').click();
    // The last line of the file (which ends with a newline, as written files do).
    await counter.keyboard.press('Control+End');
    await counter.keyboard.press('ArrowUp');
    await counter.keyboard.press('End');
    await counter.keyboard.press('Shift+Home');
    await counter.keyboard.type("const TITLE = 'Edited live';");
    await counter.getByRole('tab', { name: 'Preview' }).click();
    await expect.poll(() => frame.getByRole('heading', { name: 'Edited live' }).count(), { timeout: 30_000, interval: 500 }).toBe(1);
  }, 240_000);
});
