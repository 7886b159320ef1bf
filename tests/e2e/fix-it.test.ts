import { readFileSync } from 'node:fs';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { sendPrompt, stackPerFile, type Stack } from './harness';

let stack: Stack;
let page: Page;
stackPerFile({ SANDBOX_PROVIDER: 'local' }, { viewport: { width: 1400, height: 900 } }, (s, p) => {
  stack = s;
  page = p;
});

/** An answer that writes server.js (serving `body` as HTML) and starts it; it requires `module` first when given. */
function serverAnswer(options: { body: string; requires?: string; extraFiles?: Record<string, string> }) {
  const requireLine = options.requires ? `const greeting = require('${options.requires}');\n` : "const greeting = 'Hello';\n";
  const server = `${requireLine}require('http').createServer((req, res) => { res.setHeader('content-type', 'text/html'); res.end(${JSON.stringify(options.body)}.replace('GREETING', greeting)); }).listen(process.env.PORT || 3000, '0.0.0.0');\n`;
  const extra = Object.entries(options.extraFiles ?? {})
    .map(([path, content]) => `<boltAction type="file" filePath="${path}">${content}</boltAction>`)
    .join('');
  return `Here it is. <boltArtifact id="app" title="Greeting server">${extra}<boltAction type="file" filePath="server.js">${server}</boltAction><boltAction type="start">node server.js</boltAction></boltArtifact>`;
}

const alert = (p: Page) => p.getByRole('alert', { name: 'The app failed' });
const preview = (p: Page) => p.frameLocator('iframe[title="Preview"]');
const userMessagesSent = () => stack.fake.requests.map((r) => JSON.stringify(r.messages.at(-1)));

describe('problems reach the chat, and Fix it sends them to the model', () => {
  it('shows a server that crashes on a missing module, and Fix it brings the app up', async () => {
    stack.fake.script(
      { match: 'greeting server', reply: serverAnswer({ body: '<h1>GREETING from the fixed app</h1>', requires: './greeting' }) },
      // The fix request names server.js and carries its content.
      { match: "require('./greeting')", reply: serverAnswer({ body: '<h1>GREETING from the fixed app</h1>', requires: './greeting', extraFiles: { 'greeting.js': "module.exports = 'Hello';" } }) },
    );
    const started = Date.now();
    await page.goto(stack.app.url);
    await sendPrompt(page, 'a greeting server please');
    await expect.poll(() => alert(page).count(), { timeout: 60_000 }).toBe(1);
    expect(await alert(page).innerText()).toMatch(/The app failed: `node server\.js` exited with code 1/);
    await alert(page).getByText('Details').click();
    expect(await alert(page).innerText()).toMatch(/Cannot find module '\.\/greeting'/);
    const problemShown = Date.now() - started;

    await alert(page).getByRole('button', { name: 'Fix it' }).click();
    await expect.poll(() => alert(page).count(), { timeout: 5_000 }).toBe(0);
    await expect.poll(() => userMessagesSent().length, { timeout: 10_000 }).toBe(2);
    const fixRequest = userMessagesSent().at(-1)!;
    expect(fixRequest).toContain('The app failed.');
    expect(fixRequest).toContain("Cannot find module './greeting'");
    expect(fixRequest).toContain('server.js:\\n```\\nconst greeting');
    // The model can call tools, so Fix it goes in agent mode (the prompt went without: the switch is off).
    expect(stack.fake.requests[0].tools).toEqual([]);
    expect(stack.fake.requests[1].tools).toContain('run_command');
    await page.getByRole('tab', { name: 'Preview' }).click();
    await expect.poll(() => preview(page).getByRole('heading', { name: 'Hello from the fixed app' }).count(), { timeout: 60_000, interval: 500 }).toBe(1);
    // Each answer shows its tokens and cost (the fake model has a price in its model list), the chat its total.
    const usage = page.getByLabel('Tokens used', { exact: true });
    await expect.poll(() => usage.count(), { timeout: 10_000 }).toBe(2);
    // The prices come from the provider's model list, which the page may still be asking for.
    await expect.poll(() => usage.first().innerText(), { timeout: 20_000 }).toMatch(/^10 in · \d+ out · \$0\.\d{4}$/);
    expect(await page.getByLabel('Tokens used in this chat').innerText()).toMatch(/^Chat: 20 in · \d+ out · \$0\.\d{2,4}$/);
    console.log(`fix-it story: problem shown ${(problemShown / 1000).toFixed(1)} s after Send; fixed app in the preview ${((Date.now() - started) / 1000).toFixed(1)} s after Send`);
  }, 150_000);

  it('shows a Vite build error for an import of a file that does not exist, and the fix brings the preview up', async () => {
    const counter = readFileSync(new URL('../fixtures/answers/vite-react-counter.txt', import.meta.url), 'utf8');
    const broken = counter.replace("import { useState } from 'react';", "import { useState } from 'react';\nimport Title from './Title';").replace('<h1>{TITLE}</h1>', '<Title />');
    const fix = `The Title component was missing. <boltArtifact id="fix" title="Add Title"><boltAction type="file" filePath="src/Title.tsx">export default function Title() {\n  return <h1>Fixed Vite counter</h1>;\n}\n</boltAction></boltArtifact>`;
    stack.fake.script({ match: 'vite counter with a title', reply: broken }, { match: "from './Title'", reply: fix });
    const started = Date.now();
    await page.goto(stack.app.url);
    await sendPrompt(page, 'a vite counter with a title');
    await page.getByRole('tab', { name: 'Preview' }).click();
    await expect.poll(() => alert(page).count(), { timeout: 170_000, interval: 1000 }).toBe(1);
    await expect.poll(() => alert(page).innerText(), { timeout: 10_000 }).toMatch(/Failed to resolve import "\.\/Title" from "src\/App\.tsx"/);
    const problemShown = Date.now() - started;
    await alert(page).getByRole('button', { name: 'Fix it' }).click();
    await expect.poll(() => userMessagesSent().length, { timeout: 10_000 }).toBe(2);
    expect(userMessagesSent().at(-1)).toContain('the dev server could not build a module (src/App.tsx');
    await expect.poll(() => preview(page).getByRole('heading', { name: 'Fixed Vite counter' }).count(), { timeout: 60_000, interval: 1000 }).toBe(1);
    console.log(`vite story: build error shown ${(problemShown / 1000).toFixed(1)} s after Send; fixed preview ${((Date.now() - started) / 1000).toFixed(1)} s after Send`);
  }, 240_000);

  it("reports an error thrown in the preview page through the proxy's reporter, and Dismiss hides it", async () => {
    stack.fake.script({ match: 'page that throws', reply: serverAnswer({ body: "<h1>GREETING</h1><script>throw new Error('boom from the page')</script>" }) });
    await page.goto(stack.app.url);
    await sendPrompt(page, 'a page that throws');
    await page.getByRole('tab', { name: 'Preview' }).click();
    await expect.poll(() => alert(page).count(), { timeout: 60_000, interval: 500 }).toBe(1);
    expect(await alert(page).innerText()).toMatch(/The app failed: Uncaught Error: boom from the page/);
    await alert(page).getByRole('button', { name: 'Dismiss' }).click();
    expect(await alert(page).count()).toBe(0);
    // The same error again (a reload of the preview) stays dismissed.
    await page.getByRole('button', { name: 'Reload preview' }).click();
    await expect.poll(() => preview(page).getByRole('heading', { name: 'Hello' }).count(), { timeout: 20_000 }).toBe(1);
    await new Promise((r) => setTimeout(r, 1500));
    expect(await alert(page).count()).toBe(0);
  }, 120_000);

  it('auto-fix tries exactly twice on a problem that persists, then stops and says why', async () => {
    const broken = serverAnswer({ body: '<h1>never</h1>', requires: './never-there' });
    stack.fake.script({ match: 'persistent crash', reply: broken }, { match: 'never-there', reply: broken });
    await page.goto(stack.app.url);
    await sendPrompt(page, 'a persistent crash server');
    await expect.poll(() => alert(page).count(), { timeout: 60_000 }).toBe(1);
    await page.getByRole('checkbox', { name: 'Auto-fix' }).check();
    const stopped = page.getByRole('status').filter({ hasText: 'Auto-fix stopped' });
    await expect.poll(() => stopped.count(), { timeout: 90_000, interval: 500 }).toBe(1);
    expect(await stopped.innerText()).toMatch(/the same problem came back after 2 fixes/);
    // The prompt and exactly two fix requests; nothing more follows.
    await new Promise((r) => setTimeout(r, 3000));
    const sent = userMessagesSent();
    expect(sent.filter((m) => m.includes('The app failed.'))).toHaveLength(2);
    expect(sent).toHaveLength(3);
    // The problem is still there to fix by hand.
    expect(await alert(page).count()).toBe(1);
  }, 150_000);
});
