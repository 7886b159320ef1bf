// npm run bench:preview — how soon the preview of a cloud-bound app is ready.
// Scenario: "an Express app that hashes passwords with bcrypt" (a native addon, so a cloud sandbox,
// here the Local provider), the model paced at ~60 tokens/s. Measured in the same run:
//   speculative: the product's flow (sandbox created while the model streams, files flushed as they
//                complete, install once package.json is complete, start as soon as it arrives);
//   sequential:  wait for the whole answer, then create, upload, install, start.
// For each: Send → preview ready, and last model token → preview ready. Medians of RUNS runs.
import { existsSync, readFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import os from 'node:os';
import { parseAnswer } from '../app/lib/artifact/artifact-parser';
import { routeInputFromEvents } from '../app/lib/routing/route-input';
import { FakeOpenAI } from '../tests/fakes/fake-openai';
import { ApiClient, startApp, TEST_KEY } from '../tests/support/app-server';
import { launch } from '../tests/support/launch';
import { launchChromium } from '../tests/support/browser';
import { ensureTestDeps } from '../scripts/ensure-test-deps.mjs';

const RUNS = Number(process.env.RUNS ?? 3);
const ROOT = new URL('..', import.meta.url).pathname;
const ANSWER = readFileSync(new URL('../tests/fixtures/answers/bcrypt-signup.txt', import.meta.url), 'utf8');
const PROMPT = 'Build an Express app where users sign up and passwords are hashed with bcrypt';
// ~60 tokens/s at ~4 characters a token.
const PACE = { chunkSize: 16, delayMs: 66 };

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

async function main() {
  const chrome = (ensureTestDeps as () => string)();
  if (!existsSync(`${ROOT}build/server/index.js`)) execFileSync('npx', ['remix', 'vite:build'], { cwd: ROOT, stdio: 'inherit', env: { ...process.env, NODE_ENV: 'production' } });
  const fake = new FakeOpenAI();
  const app = await startApp({ OPENROUTER_BASE_URL: await fake.start(), OPENROUTER_API_KEY: TEST_KEY, DEFAULT_MODEL: 'fake/coder', SANDBOX_PROVIDER: 'local', SANDBOX_MAX_PER_SESSION: '50', SANDBOX_MAX_TOTAL: '50', SANDBOX_MAX_PER_IP: '50', SANDBOX_CREATES_PER_MINUTE: '50' });
  const browser = await launchChromium(chrome);
  const results = { speculative: { send: [] as number[], last: [] as number[] }, sequential: { send: [] as number[], last: [] as number[] } };
  try {
    for (let run = 1; run <= RUNS; run++) {
      // The product's flow, in a real browser.
      fake.reset();
      fake.script({ reply: ANSWER, ...PACE });
      const context = await browser.newContext();
      const page = await context.newPage();
      await page.goto(app.url);
      await page.getByRole('textbox', { name: 'Prompt' }).fill(PROMPT);
      const sent = Date.now();
      await page.getByRole('button', { name: 'Send' }).click();
      await page.frameLocator('iframe[title="Preview"]').getByRole('heading', { name: 'Signup works' }).waitFor({ timeout: 300_000 });
      const ready = Date.now();
      results.speculative.send.push(ready - sent);
      results.speculative.last.push(ready - fake.requests[0].finishedAt!);
      await context.close();

      // The sequential flow: the whole answer first, then create → write → install → start in a row (the same runtime code, nothing overlapped).
      fake.reset();
      fake.script({ reply: ANSWER, ...PACE });
      const client = new ApiClient(app.url);
      const started = Date.now();
      const chat = await client.request('POST', '/api/chat', { model: 'fake/coder', messages: [{ id: 'u1', role: 'user', parts: [{ type: 'text', text: PROMPT }] }] });
      await chat.text();
      const lastToken = fake.requests[0].finishedAt!;
      const { files } = routeInputFromEvents(parseAnswer(ANSWER).events);
      const launched = await launch(client, { project: `seq-${run}`, files: Object.entries(files).map(([path, content]) => ({ path, content })), install: 'npm install', start: 'npm start' });
      if (launched.failure) throw new Error(`sequential run failed: ${launched.failure}\n${launched.output}`);
      const done = Date.now();
      results.sequential.send.push(done - started);
      results.sequential.last.push(done - lastToken);
      await client.sandboxes().delete(launched.sandbox.id);
      console.log(`run ${run}: speculative ${seconds(results.speculative.send.at(-1)!)} (last token → ready ${seconds(results.speculative.last.at(-1)!)}), sequential ${seconds(results.sequential.send.at(-1)!)} (${seconds(results.sequential.last.at(-1)!)})`);
    }
  } finally {
    await browser.close();
    await app.stop();
    await fake.stop();
  }
  const answerSeconds = ANSWER.length / PACE.chunkSize * PACE.delayMs / 1000;
  console.log(`\nbench:preview — ${RUNS} runs, median; model at ~60 tokens/s (answer streams in ~${answerSeconds.toFixed(0)} s); ${os.cpus().length} cores, Node ${process.version}`);
  console.log(`speculative: Send → preview ready ${seconds(median(results.speculative.send))}; last token → preview ready ${seconds(median(results.speculative.last))}`);
  console.log(`sequential:  Send → preview ready ${seconds(median(results.sequential.send))}; last token → preview ready ${seconds(median(results.sequential.last))}`);
}

await main();
