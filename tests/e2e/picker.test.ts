// Pointing at the preview, in a real Chromium with the cloud runtime (Local sandbox): Select, click
// the counter button of a Vite + React app, and the next message tells the model which element it
// was and where it comes from in the source; the app's own click handler never ran; Escape ends
// Select mode; a share link's page carries no picker.
import { readFileSync } from 'node:fs';
import type { FrameLocator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sendPrompt, startStack } from './harness';

const answer = (name: string) => readFileSync(new URL(`../fixtures/answers/${name}`, import.meta.url), 'utf8');

let stack: Awaited<ReturnType<typeof startStack>>;
let page: Page;

beforeAll(async () => {
  stack = await startStack({ SANDBOX_PROVIDER: 'local' });
  page = await (await stack.browser.newContext({ viewport: { width: 1400, height: 900 } })).newPage();
});
afterAll(async () => {
  await stack?.stop();
});

const preview = (p: Page): FrameLocator => p.frameLocator('iframe[title="Preview"]');
const selectButton = (p: Page) => p.getByRole('button', { name: 'Select', exact: true });

describe('picking an element in the preview', () => {
  it('Select → click the counter button → the request names its selector and src/App.tsx; the app never saw the click', async () => {
    stack.fake.script({ match: 'counter', reply: answer('vite-react-counter.txt'), chunkSize: 48, delayMs: 5 });
    await page.goto(stack.app.url);
    await sendPrompt(page, 'Build a counter with Vite and React');
    await page.getByRole('tab', { name: 'Preview' }).click();
    const frame = preview(page);
    await expect.poll(() => frame.getByRole('button', { name: 'count is 0' }).count(), { timeout: 170_000, interval: 1000 }).toBe(1);

    await selectButton(page).click();
    expect(await selectButton(page).getAttribute('aria-pressed')).toBe('true');
    // Hovering outlines the element; clicking picks it (the page's own handler does not run: the count stays 0).
    await frame.getByRole('button', { name: 'count is 0' }).hover();
    await frame.getByRole('button', { name: 'count is 0' }).click();
    const chips = page.locator('form').getByRole('list', { name: 'Picked elements' });
    // Line 8 of src/App.tsx writes the button (React reports the line of Vite's transformed module; the workbench finds the tag's own).
    await expect.poll(() => chips.innerText(), { timeout: 10_000 }).toMatch(/^button\.counter in src\/App\.tsx:8\b/);
    expect(await frame.getByRole('button', { name: 'count is 0' }).count()).toBe(1);
    await page.getByRole('textbox', { name: 'Prompt' }).fill('make this green');
    if (process.env.E2E_SCREENSHOT_DIR) await page.screenshot({ path: `${process.env.E2E_SCREENSHOT_DIR}/picker.png` });

    // Escape (in the page) leaves Select mode; the app's button works again.
    await frame.locator('body').press('Escape');
    await expect.poll(() => selectButton(page).getAttribute('aria-pressed')).toBe('false');
    await frame.getByRole('button', { name: 'count is 0' }).click();
    await expect.poll(() => frame.getByRole('button', { name: 'count is 1' }).count()).toBe(1);
    expect(await chips.locator('li').count()).toBe(1);

    stack.fake.script({ match: 'make this green', reply: 'Made it green.' });
    await page.getByRole('textbox', { name: 'Prompt' }).fill('make this green');
    await page.getByRole('button', { name: 'Send' }).click();
    await expect.poll(() => page.getByText('Made it green.').count(), { timeout: 20_000 }).toBe(1);
    const request = stack.fake.requests.at(-1)!;
    const lastUser = JSON.stringify(request.messages.findLast((m) => m.role === 'user')?.content);
    expect(lastUser).toContain('button.counter');
    expect(lastUser).toContain('src/App.tsx:8');
    expect(lastUser).toContain('make this green');
    // The picked element's file is among the files the request shows (the context follows the pick).
    expect(lastUser).toContain('src/App.tsx:\\n```');
    // The chip went with the message: it shows in the chat, and the prompt box is empty of picks.
    expect(await page.locator('[data-role="user"]').getByRole('list', { name: 'Picked elements' }).innerText()).toMatch(/button\.counter in src\/App\.tsx/);
    expect(await chips.count()).toBe(0);
  }, 240_000);

  it("a share link's page carries no picker script; the owner's preview page does", async () => {
    const ownerFrame = await (await page.locator('iframe[title="Preview"]').elementHandle())!.contentFrame();
    expect(await ownerFrame!.evaluate(() => document.documentElement.outerHTML)).toContain('appforge-picker');

    await page.getByRole('button', { name: 'Share' }).click();
    const dialog = page.getByRole('dialog', { name: 'Share' });
    await dialog.getByRole('button', { name: 'Create link' }).click();
    const link = dialog.getByRole('textbox', { name: 'Share link' });
    await expect.poll(() => link.inputValue()).toMatch(/^http:\/\/[a-z2-7]{32}\.localhost:\d+\/$/);
    const stranger = await (await stack.browser.newContext()).newPage();
    const response = await stranger.goto(await link.inputValue());
    const html = await response!.text();
    expect(html).toContain('<div id="root">');
    expect(html).not.toContain('appforge-picker');
    await stranger.context().close();
  });
});
