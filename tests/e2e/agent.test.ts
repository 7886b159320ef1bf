import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { sendPrompt, stackPerFile, type Stack } from './harness';

let stack: Stack;
let page: Page;
stackPerFile({ SANDBOX_PROVIDER: 'local' }, { viewport: { width: 1400, height: 900 } }, (s, p) => {
  stack = s;
  page = p;
});

/** A first (artifact) answer: a sum module whose test fails. */
const brokenProject = `A sum module with a test. <boltArtifact id="sum" title="Sum"><boltAction type="file" filePath="package.json">{ "name": "sum", "private": true, "scripts": { "test": "node test.js" } }</boltAction><boltAction type="file" filePath="sum.js">module.exports = (a, b) => a - b;
</boltAction><boltAction type="file" filePath="test.js">const sum = require('./sum');
const got = sum(2, 3);
if (got !== 5) {
  console.error('sum is wrong: 2 + 3 gave ' + got);
  process.exit(1);
}
console.log('tests passed');
</boltAction></boltArtifact>`;

const cards = (p: Page) => p.getByTestId('tool-call');
const prompt = (p: Page) => p.getByRole('textbox', { name: 'Prompt' });

/** Opens a chat with the broken project written (nothing run yet), then turns agent mode on. */
async function openBrokenProject(request: string) {
  stack.fake.script({ match: request, reply: brokenProject, times: 1 });
  await page.goto(stack.app.url);
  await sendPrompt(page, request);
  await expect.poll(() => page.getByRole('treeitem', { name: 'test.js' }).count(), { timeout: 30_000 }).toBe(1);
  await expect.poll(() => page.getByRole('button', { name: 'Send' }).count(), { timeout: 30_000 }).toBe(1);
  await page.getByRole('checkbox', { name: 'Agent' }).check();
}

describe('agent mode', () => {
  it('runs the tests, reads the failing file, edits it and runs them again, each call shown with its output and time', async () => {
    stack.fake.script(
      { match: 'make the tests pass', reply: 'Running the tests first.', toolCalls: [{ name: 'run_command', arguments: { command: 'npm test' } }], times: 1 },
      { toolResult: 'sum is wrong', toolCalls: [{ name: 'read_file', arguments: { path: 'sum.js' } }], times: 1 },
      { toolResult: 'a - b', reply: 'It subtracts.', toolCalls: [{ name: 'edit_file', arguments: { path: 'sum.js', oldText: 'a - b', newText: 'a + b' } }], times: 1 },
      { toolResult: '"line":1', toolCalls: [{ name: 'run_command', arguments: { command: 'npm test' } }], times: 1 },
      { toolResult: 'tests passed', reply: 'Fixed: sum adds now, and the test passes.', times: 1 },
    );
    await openBrokenProject('a sum module');
    const started = Date.now();
    await prompt(page).fill('make the tests pass');
    await page.getByRole('button', { name: 'Send' }).click();
    await expect.poll(() => page.getByText('Fixed: sum adds now, and the test passes.').count(), { timeout: 90_000, interval: 500 }).toBe(1);
    const seconds = ((Date.now() - started) / 1000).toFixed(1);

    expect(await cards(page).evaluateAll((els) => els.map((el) => `${el.getAttribute('data-tool')} ${el.getAttribute('data-state')}`))).toEqual([
      'run_command complete',
      'read_file complete',
      'edit_file complete',
      'run_command complete',
    ]);
    const outcomes = await page.getByTestId('tool-outcome').allInnerTexts();
    expect(outcomes[0]).toMatch(/^exit 1 · \d+\.\ds$/);
    expect(outcomes[3]).toMatch(/^exit 0 · \d+\.\ds$/);
    // The first run's output, as the model got it.
    await cards(page).first().getByText('Input and output').click();
    expect(await cards(page).first().getByTestId('tool-output').innerText()).toContain('sum is wrong: 2 + 3 gave -1');
    // The edit went through the files store: the editor shows it.
    await page.getByRole('treeitem', { name: 'sum.js' }).click();
    await expect.poll(() => page.locator('.cm-content').innerText(), { timeout: 10_000 }).toContain('a + b');
    // E2E_SCREENSHOT_DIR=docs/images: the README's picture of agent mode.
    if (process.env.E2E_SCREENSHOT_DIR) await page.screenshot({ path: `${process.env.E2E_SCREENSHOT_DIR}/agent-mode.png` });
    // One request per step, each offering the tools; the loop ended when the model answered without a call.
    const agentRequests = stack.fake.requests.slice(1);
    expect(agentRequests).toHaveLength(5);
    expect(agentRequests.every((r) => r.tools.includes('edit_file'))).toBe(true);
    expect(await page.getByRole('button', { name: 'Send' }).count()).toBe(1);
    // The answer's tokens add up over its five requests.
    await expect.poll(() => page.getByLabel('Tokens used', { exact: true }).last().innerText()).toMatch(/^50 in · \d+ out/);
    console.log(`agent story: four tool calls and the final answer ${seconds} s after Send`);
  }, 150_000);

  it('Stop interrupts a running command: the call fails as stopped and nothing more goes to the model', async () => {
    stack.fake.script({
      match: 'wait for a long time',
      reply: 'Writing a note, then waiting.',
      toolCalls: [
        { name: 'write_file', arguments: { path: 'notes.txt', content: 'waiting' } },
        { name: 'run_command', arguments: { command: 'sleep 120', timeoutSeconds: 200 } },
      ],
      times: 1,
    });
    await openBrokenProject('a sum project to wait in');
    await prompt(page).fill('wait for a long time');
    await page.getByRole('button', { name: 'Send' }).click();
    const sleeping = cards(page).nth(1);
    await expect.poll(() => sleeping.getAttribute('data-state'), { timeout: 60_000, interval: 250 }).toBe('running');
    expect(await cards(page).first().getAttribute('data-state')).toBe('complete');
    const requestsBefore = stack.fake.requests.length;
    const stoppedAt = Date.now();
    await page.getByRole('button', { name: 'Stop' }).click();
    await expect.poll(() => sleeping.getAttribute('data-state'), { timeout: 10_000, interval: 100 }).toBe('failed');
    const stopMs = Date.now() - stoppedAt;
    expect(await sleeping.innerText()).toContain('Stopped by the user.');
    expect(await page.getByRole('status', { name: 'Agent' }).innerText()).toBe('The agent was stopped.');
    await expect.poll(() => page.getByRole('button', { name: 'Send' }).count(), { timeout: 5_000 }).toBe(1);
    await new Promise((r) => setTimeout(r, 2000));
    expect(stack.fake.requests.length).toBe(requestsBefore);
    console.log(`agent stop story: the running command stopped ${stopMs} ms after Stop`);
  }, 120_000);

  it('a step the provider fails is retried with the results it has, keeping the calls made so far', async () => {
    stack.fake.script(
      { match: 'check the tests', toolCalls: [{ name: 'run_command', arguments: { command: 'npm test' } }], times: 1 },
      { toolResult: 'sum is wrong', fault: { type: 'status', status: 500 }, times: 1 },
      { toolResult: 'sum is wrong', reply: 'The test fails: sum subtracts.', times: 1 },
    );
    await openBrokenProject('a sum project to check');
    await prompt(page).fill('check the tests');
    await page.getByRole('button', { name: 'Send' }).click();
    const failure = page.getByRole('alert').filter({ hasText: 'HTTP 500' });
    await expect.poll(() => failure.count(), { timeout: 60_000, interval: 250 }).toBe(1);
    expect(await cards(page).count()).toBe(1);
    await failure.getByRole('button', { name: 'Retry' }).click();
    await expect.poll(() => page.getByText('The test fails: sum subtracts.').count(), { timeout: 30_000, interval: 250 }).toBe(1);
    // The same answer goes on: its one call is still there, and the retried request carried its result.
    expect(await cards(page).evaluateAll((els) => els.map((el) => `${el.getAttribute('data-tool')} ${el.getAttribute('data-state')}`))).toEqual(['run_command complete']);
    const retried = stack.fake.requests.at(-1)!;
    expect(retried.messages.at(-1)).toMatchObject({ role: 'tool' });
    expect(stack.fake.requests.filter((r) => JSON.stringify(r.messages.at(-1)).includes('check the tests'))).toHaveLength(1);
  }, 120_000);
});
