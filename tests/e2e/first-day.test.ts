// First-day stories: what a person does after the first minute. Here: a follow-up to a running
// server app (a Python server without a file watcher, in a Local cloud sandbox) must end with the
// new code running in the preview, not with "Address already in use" and the old page.
import type { FrameLocator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sendPrompt, startStack } from './harness';

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

/** A guestbook server (standard library only) whose page says which version runs. */
function guestbook(version: string) {
  const server = `import os
from http.server import BaseHTTPRequestHandler, HTTPServer

class Page(BaseHTTPRequestHandler):
    def do_GET(self):
        body = b"<h1>Guestbook ${version}</h1>"
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.end_headers()
        self.wfile.write(body)

HTTPServer(("0.0.0.0", int(os.environ.get("PORT", "3000"))), Page).serve_forever()
`;
  return `Here is the guestbook, ${version}.\n\n<boltArtifact id="guestbook" title="Guestbook"><boltAction type="file" filePath="server.py">${server}</boltAction><boltAction type="start">python3 server.py</boltAction></boltArtifact>`;
}

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
});
