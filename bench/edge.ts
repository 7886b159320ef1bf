// npm run bench:edge — the Cloudflare Pages target: the Worker bundle against Cloudflare's size
// limits, and the cloud story's Send → preview time on workerd (`wrangler pages dev`) next to the
// Node server's, both against the same loopback fake model and fake Daytona.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { ensureTestDeps } from '../scripts/ensure-test-deps.mjs';
import { FakeDaytona } from '../tests/fakes/fake-daytona';
import { FakeOpenAI } from '../tests/fakes/fake-openai';
import { startApp, TEST_KEY, type App } from '../tests/support/app-server';
import { launchChromium } from '../tests/support/browser';
import { edgeAppAnswer, sendAndAwaitPreview } from '../tests/support/edge-app';
import { buildForPages, startPages } from '../tests/support/pages-server';

const ROOT = new URL('..', import.meta.url).pathname;
const RUNS = Number(process.env.RUNS ?? 5);
const MiB = 1024 * 1024;

function workerBundle() {
  const dir = mkdtempSync(join(tmpdir(), 'appforge-worker-'));
  try {
    // The same flags as wrangler.toml (this command does not read it).
    const toml = readFileSync(join(ROOT, 'wrangler.toml'), 'utf8');
    const date = /compatibility_date\s*=\s*"([^"]+)"/.exec(toml)![1];
    execFileSync('npx', ['wrangler', 'pages', 'functions', 'build', '--outfile', join(dir, 'worker.js'), '--compatibility-date', date, '--compatibility-flags', 'nodejs_compat'], { cwd: ROOT, stdio: 'ignore', env: { ...process.env, WRANGLER_SEND_METRICS: 'false' } });
    const code = readFileSync(join(dir, 'worker.js'));
    return { raw: statSync(join(dir, 'worker.js')).size, gzip: gzipSync(code, { level: 9 }).length };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

async function main() {
  const chrome = (ensureTestDeps as () => string)();
  execFileSync('npm', ['run', '-s', 'build'], { cwd: ROOT, stdio: 'ignore', env: { ...process.env, NODE_ENV: 'production' } });
  buildForPages();
  const bundle = workerBundle();
  console.log(`bench:edge — 2 cores, Node ${process.version}; ${RUNS} runs per server`);
  console.log(`Worker bundle (wrangler pages functions build): ${(bundle.raw / MiB).toFixed(2)} MiB raw, ${(bundle.gzip / MiB).toFixed(2)} MiB gzip; Cloudflare's limit (compressed): 3 MiB on the Free plan, 10 MiB on Paid`);

  const fake = new FakeOpenAI();
  const daytona = new FakeDaytona();
  const model = { OPENROUTER_BASE_URL: await fake.start(), OPENROUTER_API_KEY: TEST_KEY, DEFAULT_MODEL: 'fake/coder', LLM_MAX_RETRIES: '0' };
  const cloud = { DAYTONA_API_KEY: daytona.apiKey, DAYTONA_API_URL: await daytona.start() };
  fake.script({ match: 'edge app', reply: edgeAppAnswer('ready'), chunkSize: 16, delayMs: 10 });
  const browser = await launchChromium(chrome);
  const servers: Array<[string, () => Promise<App>, (app: App) => string]> = [
    ['Node server (npm start)', () => startApp({ ...model, ...cloud }), (app) => app.url],
    ['Cloudflare Pages (wrangler pages dev, workerd)', () => startPages({ ...model, ...cloud, SESSION_SECRET: 'bench-edge-session-secret-0123456789abcdef' }), (app) => `http://localhost:${app.port}`],
  ];
  try {
    for (const [name, start, urlOf] of servers) {
      const app = await start();
      try {
        const times: number[] = [];
        for (let run = 0; run < RUNS; run++) {
          const context = await browser.newContext();
          const page = await context.newPage();
          times.push(await sendAndAwaitPreview(page, urlOf(app), `an edge app, run ${run}`, 'Edge app ready'));
          // Each run's sandbox is deleted, so that the per-address sandbox cap is never what is measured.
          await page.evaluate(async () => {
            const { sandboxes } = (await (await fetch('/api/sandboxes')).json()) as { sandboxes: Array<{ id: string }> };
            for (const { id } of sandboxes) await fetch(`/api/sandboxes/${id}`, { method: 'DELETE', headers: { 'content-type': 'application/json' } });
          });
          await context.close();
        }
        console.log(`${name}: Send → preview median ${(median(times) / 1000).toFixed(2)} s (runs: ${times.map((t) => (t / 1000).toFixed(2)).join(', ')})`);
      } finally {
        await app.stop();
      }
    }
  } finally {
    await browser.close();
    await fake.stop();
    await daytona.stop();
  }
}

await main();
