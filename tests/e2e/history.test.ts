import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sendPrompt, startStack } from './harness';

let stack: Awaited<ReturnType<typeof startStack>>;
let page: Page;

beforeAll(async () => {
  stack = await startStack();
  page = await (await stack.browser.newContext()).newPage();
});
afterAll(async () => {
  await stack?.stop();
});

const file = (path: string, content: string) => `<boltArtifact id="p" title="Project"><boltAction type="file" filePath="${path}">${content}</boltAction></boltArtifact>`;

describe('chat history, model picker and editing', () => {
  it('offers the provider models, sends the chosen one, and keeps user edits across a reload', async () => {
    stack.fake.script({ match: 'notes', reply: `Done. ${file('notes.md', '# Notes\n')}` });
    await page.goto(stack.app.url);
    const picker = page.getByRole('combobox', { name: 'Model' });
    await expect.poll(() => picker.locator('option', { hasText: 'Fake Fast' }).count(), { timeout: 10_000 }).toBe(1);
    await picker.selectOption('fake/fast');
    await sendPrompt(page, 'make notes');
    await expect.poll(() => page.getByRole('treeitem', { name: 'notes.md' }).count(), { timeout: 10_000 }).toBe(1);
    expect(stack.fake.requests.at(-1)?.model).toBe('fake/fast');

    // A user edit in the editor is saved with the chat.
    await expect.poll(() => page.locator('.cm-content').innerText(), { timeout: 10_000 }).toContain('# Notes');
    await page.locator('.cm-content').click();
    await page.keyboard.press('Control+End');
    await page.keyboard.type('edited by hand');
    await page.waitForTimeout(700);
    await page.reload();
    await page.getByRole('treeitem', { name: 'notes.md' }).click();
    await expect.poll(() => page.locator('.cm-content').innerText(), { timeout: 10_000 }).toContain('edited by hand');

    // The next request tells the model about the edit, and carries the file as it is now.
    stack.fake.script({ match: 'add a title', reply: 'Added.' });
    await sendPrompt(page, 'add a title');
    await expect.poll(() => page.getByText('Added.').count(), { timeout: 10_000 }).toBe(1);
    const followUp = JSON.stringify(stack.fake.requests.at(-1)?.messages.at(-1));
    expect(followUp).toContain('The user edited these files in the editor since your last answer: notes.md.');
    expect(followUp).toContain('edited by hand');
  });

  it('lists chats newest first, opens, renames and deletes them', async () => {
    stack.fake.script({ reply: 'Sure.' });
    await page.goto(stack.app.url);
    await sendPrompt(page, 'second chat about kittens');
    await expect.poll(() => page.getByText('Sure.').count(), { timeout: 10_000 }).toBe(1);

    await page.getByRole('button', { name: 'Chats' }).click();
    const history = page.getByRole('navigation', { name: 'Chat history' });
    await expect.poll(() => history.getByRole('link').allInnerTexts()).toEqual(['New chat', 'second chat about kittens', 'make notes']);

    await history.getByRole('link', { name: 'make notes' }).click();
    await expect.poll(() => page.getByRole('treeitem', { name: 'notes.md' }).count(), { timeout: 10_000 }).toBe(1);

    await page.getByRole('button', { name: 'Rename make notes' }).click();
    await page.getByRole('textbox', { name: 'Chat title' }).fill('My notes');
    await page.getByRole('button', { name: 'Save' }).click();
    await expect.poll(() => history.getByRole('link', { name: 'My notes' }).count()).toBe(1);

    page.once('dialog', (dialog) => void dialog.accept());
    await page.getByRole('button', { name: 'Delete My notes' }).click();
    await page.waitForURL((url) => url.pathname === '/');
    await page.getByRole('button', { name: 'Chats' }).click();
    await expect.poll(() => page.getByRole('navigation', { name: 'Chat history' }).getByRole('link').allInnerTexts()).toEqual(['New chat', 'second chat about kittens']);
  });
});
