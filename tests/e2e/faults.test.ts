import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import type { Fault } from '../fakes/fake-openai';
import { sendPrompt, stackPerFile, startApp, TEST_KEY, type Stack } from './harness';

let stack: Stack;
let page: Page;
stackPerFile({ LLM_STALL_TIMEOUT_S: '2' }, {}, (s, p) => {
  stack = s;
  page = p;
});

const alert = (p: Page) => p.getByRole('alert');

describe('model faults end in a clear message, keep what was streamed, and Retry works', () => {
  const cases: Array<[string, Fault, RegExp, string]> = [
    ['401', { type: 'status', status: 401 }, /rejected the API key \(HTTP 401\)/, ''],
    ['429', { type: 'status', status: 429, retryAfter: 30 }, /rate-limiting requests \(HTTP 429\)/, ''],
    ['500', { type: 'status', status: 500 }, /failed with HTTP 500/, ''],
    ['a cut mid-stream', { type: 'cut', afterChars: 40 }, /cut in the middle of the answer/, 'Here is the first part of a long answer'],
    ['a stall', { type: 'stall', afterChars: 40 }, /sent nothing for 2 seconds/, 'Here is the first part of a long answer'],
    ["OpenRouter's error chunk mid-answer", { type: 'error', afterChars: 40, message: 'Upstream provider returned error' }, /reported an error in the middle of the answer: Upstream provider returned error\. What arrived is kept/, 'Here is the first part of a long answer'],
  ];

  it.each(cases)('%s', async (_name, fault, message, kept) => {
    const reply = 'Here is the first part of a long answer, and here is the rest of it.';
    stack.fake.script({ reply, chunkSize: 10, delayMs: 30, fault, times: 1 }, { reply: 'Recovered answer after retry.' });
    await page.goto(stack.app.url);
    await sendPrompt(page, 'build something');
    await expect.poll(() => alert(page).count(), { timeout: 15_000 }).toBe(1);
    expect(await alert(page).innerText()).toMatch(message);
    expect(await alert(page).innerText()).not.toContain(TEST_KEY);
    if (kept) expect(await page.getByText(kept).count()).toBeGreaterThan(0);
    // No spinner is left behind: the Send button is back.
    expect(await page.getByRole('button', { name: 'Stop' }).count()).toBe(0);

    await page.getByRole('button', { name: 'Retry' }).click();
    await expect.poll(() => page.getByText('Recovered answer after retry.').count(), { timeout: 10_000 }).toBe(1);
    expect(await alert(page).count()).toBe(0);
  });

  it('Stop cancels the stream, keeps what arrived, and lets the user send again', async () => {
    const reply = 'Starting. ' + 'word '.repeat(400);
    stack.fake.script({ reply, chunkSize: 5, delayMs: 40 });
    await page.goto(stack.app.url);
    await sendPrompt(page, 'build a slow thing');
    await expect.poll(() => page.getByText('Starting.').count(), { timeout: 10_000 }).toBe(1);
    await page.getByRole('button', { name: 'Stop' }).click();
    await expect.poll(() => page.getByRole('button', { name: 'Send' }).count()).toBe(1);
    const before = await page.locator('[data-role="assistant"]').innerText();
    await page.waitForTimeout(500);
    expect(await page.locator('[data-role="assistant"]').innerText()).toBe(before);
    expect(before.length).toBeLessThan(reply.length);
    expect(await alert(page).count()).toBe(0);
  });
});

describe('configuration faults', () => {
  it('a server without a model key says how to set one', async () => {
    const app = await startApp({ DEFAULT_MODEL: 'fake/coder' });
    try {
      const context = await stack.browser.newContext();
      const p = await context.newPage();
      await p.goto(app.url);
      await sendPrompt(p, 'build me a thing');
      await expect.poll(() => alert(p).count(), { timeout: 15_000 }).toBe(1);
      expect(await alert(p).innerText()).toMatch(/Set OPENROUTER_API_KEY in \.env/);
      expect(app.logs.join('')).toMatch(/OPENROUTER_API_KEY is not set/);
    } finally {
      await app.stop();
    }
  });
});
