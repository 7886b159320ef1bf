// First-day stories: what a person does after the first minute, in Local cloud sandboxes. A
// follow-up to a running server app (a Python server without a file watcher) must end with the new
// code in the preview, not "Address already in use" and the old page; five projects in a row in
// one browser (three run at once per session) and then back to the first; a chat whose sandbox
// was stopped behind the app's back (Daytona's auto-stop, the reaper) opened again.
import type { FrameLocator, Page } from 'playwright-core';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { sendPrompt, startStack } from './harness';
import { pythonPageServer } from '../support/python-page';

let stack: Awaited<ReturnType<typeof startStack>>;
let page: Page;

beforeAll(async () => {
  // Many projects in a few minutes: the creation rate is not what these stories test.
  stack = await startStack({ SANDBOX_PROVIDER: 'local', SANDBOX_CREATES_PER_MINUTE: '30' });
  page = await (await stack.browser.newContext({ viewport: { width: 1400, height: 900 } })).newPage();
});
afterAll(async () => {
  await stack?.stop();
});
beforeEach(() => stack.fake.reset());

const preview = (p: Page): FrameLocator => p.frameLocator('iframe[title="Preview"]');

/** A guestbook server (standard library only) whose page says which version runs. */
function guestbook(version: string) {
  const server = pythonPageServer(`Guestbook ${version}`);
  return `Here is the guestbook, ${version}.\n\n<boltArtifact id="guestbook" title="Guestbook"><boltAction type="file" filePath="server.py">${server}</boltAction><boltAction type="start">python3 server.py</boltAction></boltArtifact>`;
}

describe('a first day with a small OpenRouter balance', () => {
  it('an account that affords 3,000 tokens gets its answer, capped, and is told so; its cost shows once the price list answers', async () => {
    stack.fake.affordableTokens = 3_000;
    // The provider's model list fails once, as the server first asks (this is the file's first test).
    stack.fake.modelListFailures = 1;
    stack.fake.script({ match: 'hello page', reply: 'Here is a page.\n\n<boltArtifact id="hello" title="Hello"><boltAction type="file" filePath="index.html"><h1>Hello</h1></boltAction></boltArtifact>' });
    await page.goto(stack.app.url);
    await sendPrompt(page, 'Build me a hello page');
    await page.waitForURL(/\/chat\/\w+/);
    const usage = page.getByLabel('Tokens used', { exact: true });
    await expect.poll(() => usage.count(), { timeout: 30_000 }).toBe(1);
    expect(await usage.innerText()).toMatch(/ · capped at 3,000 tokens by the account's balance$/);
    // The page asks again for a list without prices; the cost appears without a reload.
    await expect.poll(() => usage.innerText(), { timeout: 30_000 }).toMatch(/^10 in · \d+ out · \$0\.\d{4} · capped/);
    expect(stack.fake.modelListFailures).toBe(0);
    expect(await page.getByText('Here is a page.').count()).toBe(1);
    // The first request asked for the server's LLM_MAX_OUTPUT_TOKENS, the second for what the balance covers.
    expect(stack.fake.requests.map((r) => r.maxTokens)).toEqual([16_000, 3_000]);
  }, 60_000);
});

describe('a first day with a server app', () => {
  it('a follow-up that rewrites the server ends with the new code running in the preview', async () => {
    stack.fake.script({ match: 'version two', reply: guestbook('v2'), chunkSize: 40, delayMs: 5 }, { match: 'guestbook', reply: guestbook('v1'), chunkSize: 40, delayMs: 5 });
    await page.goto(stack.app.url);
    await sendPrompt(page, 'Build me a guestbook in Python');
    await page.waitForURL(/\/chat\/\w+/);
    await page.getByRole('tab', { name: 'Preview' }).click();
    await expect.poll(() => preview(page).getByRole('heading', { name: 'Guestbook v1' }).count(), { timeout: 120_000, interval: 1000 }).toBe(1);

    await sendPrompt(page, 'Now make it version two');
    await expect.poll(() => preview(page).getByRole('heading', { name: 'Guestbook v2' }).count(), { timeout: 60_000, interval: 500 }).toBe(1);
    // Both start actions are complete: the first server was replaced, not crashed; nothing failed.
    const states = await page.getByTestId('action').evaluateAll((els) => els.map((e) => e.getAttribute('data-state')));
    expect(states).toEqual(['complete', 'complete', 'complete', 'complete']);
    expect(await page.getByText(/Address already in use/).count()).toBe(0);
    expect(await page.getByRole('alert').filter({ hasText: /failed/i }).count()).toBe(0);
  }, 200_000);

  it('five projects in a row, then back to the first: its sandbox, stopped to make room, starts again and shows its app', async () => {
    const chats: string[] = [];
    for (let i = 1; i <= 5; i++) {
      stack.fake.script({ match: `project number ${i}`, reply: guestbook(`project ${i}`), chunkSize: 60, delayMs: 2 });
      await page.goto(stack.app.url);
      await sendPrompt(page, `Build me a guestbook in Python, project number ${i}`);
      await page.waitForURL(/\/chat\/\w+/);
      chats.push(page.url());
      await page.getByRole('tab', { name: 'Preview' }).click();
      await expect.poll(() => preview(page).getByRole('heading', { name: `Guestbook project ${i}` }).count(), { timeout: 90_000, interval: 1000 }).toBe(1);
    }
    // Three run at once (SANDBOX_MAX_PER_SESSION): the Sandboxes panel shows the others (this
    // session's earlier stories' too) stopped to make room, each saying so.
    await page.getByRole('button', { name: 'Chats' }).click();
    await page.getByText('Sandboxes', { exact: true }).click();
    const panel = page.getByRole('region', { name: 'Sandboxes' });
    await expect.poll(() => panel.getByTestId('sandbox').count(), { timeout: 10_000 }).toBeGreaterThanOrEqual(5);
    const states = await panel.getByTestId('sandbox').evaluateAll((els) => els.map((e) => e.getAttribute('data-state')));
    expect(states.filter((s) => s === 'started')).toHaveLength(3);
    expect(states.filter((s) => s === 'stopped').length).toBeGreaterThanOrEqual(2);
    expect(await panel.getByText(/Stopped \(stopped to make room for another of your projects\)/).count()).toBe(states.filter((s) => s === 'stopped').length);

    // Back to the first: it starts again and its own app comes up.
    await page.goto(chats[0]);
    await page.getByRole('tab', { name: 'Preview' }).click();
    await expect.poll(() => preview(page).getByRole('heading', { name: 'Guestbook project 1' }).count(), { timeout: 90_000, interval: 1000 }).toBe(1);
    expect(await page.getByRole('note').innerText()).toBe("This chat's sandbox was started again: it was stopped to make room for another of your projects.");
  }, 600_000);

  it("a chat whose sandbox was stopped behind the app's back comes back when it is opened", async () => {
    stack.fake.script({ match: 'stopped later', reply: guestbook('after lunch'), chunkSize: 60, delayMs: 2 });
    await page.goto(stack.app.url);
    await sendPrompt(page, 'Build me a guestbook in Python that gets stopped later');
    await page.waitForURL(/\/chat\/\w+/);
    const chat = page.url();
    await page.getByRole('tab', { name: 'Preview' }).click();
    await expect.poll(() => preview(page).getByRole('heading', { name: 'Guestbook after lunch' }).count(), { timeout: 90_000, interval: 1000 }).toBe(1);
    await page.waitForTimeout(700); // the debounced save of the chat's record
    // The sandbox is stopped while nobody looks (as the idle reaper or Daytona's auto-stop do).
    await page.goto(stack.app.url);
    const stopped = await page.evaluate(async () => {
      const { sandboxes } = (await (await fetch('/api/sandboxes')).json()) as { sandboxes: Array<{ id: string; state: string }> };
      const running = sandboxes.filter((s) => s.state === 'started');
      for (const s of running) await fetch(`/api/sandboxes/${s.id}/stop`, { method: 'POST', headers: { 'content-type': 'application/json' } });
      return running.length;
    });
    expect(stopped).toBeGreaterThan(0);
    await page.goto(chat);
    await page.getByRole('tab', { name: 'Preview' }).click();
    await expect.poll(() => preview(page).getByRole('heading', { name: 'Guestbook after lunch' }).count(), { timeout: 90_000, interval: 1000 }).toBe(1);
    expect(await page.getByRole('note').innerText()).toBe("This chat's sandbox was started again: you stopped it.");
  }, 300_000);
});
