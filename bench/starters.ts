// npm run bench:starters [-- --runs N] [--only react] [--cloud] — per-step figures for real starters.
// Each starter comes from its own scaffolder on the npm registry (create-vite's React, Vue and
// Svelte TypeScript templates; express-generator's app without views), versions pinned below, run
// in a temporary folder. Its files become one model answer in the artifact format: package.json
// first (so the install can start while the rest streams), every other text file, a small text SVG
// in place of each binary file (the answer carries text only; the pages import hero.png), then
// `npm install` and the start command. The Vite configs get the server block the product's system
// prompt asks for (host 0.0.0.0, the port from PORT), as a model following it writes; express's
// bin/www already listens on PORT. The fake model streams the answer at ~80 tokens/s (16 characters
// every 50 ms, ~4 characters a token).
//
// The built app (npm start), SANDBOX_PROVIDER=local, in headless Chromium, each starter in a fresh
// browser context and a fresh chat: type the prompt, Send, then every ~100 ms read what the page
// shows: the first answer text in the chat, the launch stepper's steps ([data-step] with their
// data-state: sandbox created, installed, start command accepted, app listening), the action
// cards (the last file written), and the Preview iframe showing the starter's own heading. The
// last token is when the fake model sent the answer's last chunk. The runtime is the product's own
// choice (the router's, then its fallback); with --cloud the person clicks "Run in cloud sandbox"
// as soon as the workbench offers it, as the router choosing the cloud from the start would.
//
// The app's own boot, for the goal "last token → preview within the app's boot + 1 s": the same
// files in a fresh sandbox of the same provider with the dependencies installed (not timed), then
// the start command → the app's page shows its heading in a new browser tab (through the same
// preview proxy), cold as in the chat; Vite's own "ready in" line and start → port open are
// printed too. The sandboxes of each starter are deleted before the next one starts.
import { execFile, execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import os, { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { promisify } from 'node:util';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { FakeOpenAI } from '../tests/fakes/fake-openai';
import { ApiClient, sharedNpmCacheDir, startApp, TEST_KEY } from '../tests/support/app-server';
import { launchChromium } from '../tests/support/browser';
import { launch } from '../tests/support/launch';
import { ensureTestDeps } from '../scripts/ensure-test-deps.mjs';

const ROOT = new URL('..', import.meta.url).pathname;
const CREATE_VITE = 'create-vite@9.3.0';
const EXPRESS_GENERATOR = 'express-generator@4.16.1';
// ~80 tokens/s at ~4 characters a token: 320 characters a second.
const PACE = { chunkSize: 16, delayMs: 50 };
const POLL_MS = 100;
/** The answer format carries text only: a binary file becomes a small text SVG, as a model would write it. */
const PLACEHOLDER_IMAGE = '<svg xmlns="http://www.w3.org/2000/svg" width="1" height="1"/>\n';
/** What a model following the system prompt adds to a Vite config ("listen on PORT when set, on host 0.0.0.0"). */
const VITE_SERVER = "  server: { host: '0.0.0.0', port: Number(process.env.PORT) || 5173 },\n";

const argv = process.argv.slice(2);
const flag = (name: string) => {
  const at = argv.indexOf(name);
  return at >= 0 ? argv[at + 1] : undefined;
};
const RUNS = Number(flag('--runs') ?? process.env.RUNS ?? 1);
const ONLY = flag('--only');
/** The person clicks "Run in cloud sandbox" as soon as the workbench offers it (what the router's own choice of the cloud would do from the start). */
const CLOUD = argv.includes('--cloud');

const run = promisify(execFile);
const log = (text: string) => console.error(`[bench:starters] ${text}`);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const sec = (ms: number | undefined) => (ms === undefined || Number.isNaN(ms) ? '—' : (ms / 1000).toFixed(1));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Starter {
  name: string;
  /** The scaffolder's command line (npx), making the project in the folder `dir`. */
  scaffold: (dir: string) => string[];
  start: string;
  /** The heading the starter's own page shows. */
  heading: string;
}

const STARTERS: Starter[] = [
  ...(['react-ts', 'vue-ts', 'svelte-ts'] as const).map((template) => ({
    name: `create-vite ${template}`,
    scaffold: (dir: string) => [CREATE_VITE, dir, '--no-interactive', '--template', template],
    start: 'npm run dev',
    // create-vite 9's pages say "Get started" (older ones said "Vite + React" and the like).
    heading: 'Get started',
  })),
  { name: 'express-generator --no-view', scaffold: (dir: string) => [EXPRESS_GENERATOR, '--no-view', dir], start: 'npm start', heading: 'Express' },
].filter((s) => !ONLY || s.name.includes(ONLY));

interface Answer {
  text: string;
  files: Array<{ path: string; content: string }>;
  placeholders: string[];
}

/** Scaffolds the starter with its registry scaffolder and turns its files into one answer in the artifact format. */
async function answerFor(starter: Starter, work: string, index: number): Promise<Answer> {
  const name = `starter-${index}`;
  await run('npx', ['--yes', ...starter.scaffold(name)], { cwd: work, env: { ...process.env, CI: '1' }, timeout: 180_000 });
  const dir = join(work, name);
  const paths: string[] = [];
  const walk = (at: string) => {
    for (const entry of readdirSync(at)) {
      const path = join(at, entry);
      if (entry === 'node_modules' || entry === '.git') continue;
      if (statSync(path).isDirectory()) walk(path);
      else paths.push(relative(dir, path));
    }
  };
  walk(dir);
  const placeholders: string[] = [];
  const files = paths.map((path) => {
    const bytes = readFileSync(join(dir, path));
    let content = bytes.toString('utf8');
    if (bytes.includes(0) || Buffer.from(content, 'utf8').compare(bytes) !== 0) {
      placeholders.push(path);
      content = PLACEHOLDER_IMAGE;
    }
    if (/^vite\.config\.[cm]?[jt]s$/.test(path)) {
      const adapted = content.replace(/\n\}\)\s*$/, `\n${VITE_SERVER}})\n`);
      if (adapted === content) throw new Error(`${starter.name}: no place for the server block in ${path}:\n${content}`);
      content = adapted;
    }
    if (content.includes('</boltAction>')) throw new Error(`${starter.name}: ${path} holds an action's closing tag`);
    return { path, content };
  });
  // package.json first (the install starts as soon as it is complete), then the rest by path.
  files.sort((a, b) => (a.path === 'package.json' ? -1 : b.path === 'package.json' ? 1 : a.path.localeCompare(b.path)));
  const actions = files.map((f) => `<boltAction type="file" filePath="${f.path}">${f.content}</boltAction>`);
  const text = `I'll set up the ${starter.name} starter as its scaffolder makes it.\n\n<boltArtifact id="starter-${index}" title="${starter.name}">\n${actions.join('\n')}\n<boltAction type="shell">npm install</boltAction>\n<boltAction type="start">${starter.start}</boltAction>\n</boltArtifact>\n\nThe preview shows the starter's page.`;
  return { text, files, placeholders };
}

// --- the chat, as a person sees it ---------------------------------------------------------------

/** What the page shows, read in one go (plain JavaScript: tsx would wrap functions in a helper the page lacks). */
const SNAPSHOT = `(() => {
  const steps = {};
  for (const li of document.querySelectorAll('[data-step]')) steps[li.getAttribute('data-step')] = li.getAttribute('data-state');
  const actions = [...document.querySelectorAll('[data-testid="action"]')].map((li) => ({ what: li.querySelector('code')?.getAttribute('title') ?? '', state: li.getAttribute('data-state') }));
  const answered = [...document.querySelectorAll('article[data-role="assistant"]')].some((a) => a.textContent.trim().length > 0);
  const runtime = document.querySelector('[role="status"][aria-label="Runtime"]')?.getAttribute('title') || document.querySelector('[role="status"][aria-label="Runtime"]')?.textContent || '';
  const iframe = Boolean(document.querySelector('iframe[title="Preview"]'));
  const alert = document.querySelector('[role="alert"]')?.textContent ?? '';
  return { now: Date.now(), steps, actions, answered, runtime, iframe, alert };
})()`;

interface Snapshot {
  now: number;
  steps: Record<string, string>;
  actions: Array<{ what: string; state: string }>;
  answered: boolean;
  runtime: string;
  iframe: boolean;
  alert: string;
}

/** Epoch ms of each step, as first seen in the page. */
interface Marks {
  sent: number;
  firstToken?: number;
  /** package.json's action done (its file complete: the install may start once it is in a runtime). */
  packageJson?: number;
  /** --cloud: "Run in cloud sandbox" clicked. */
  chose?: number;
  /** The Runtime status first names the cloud (the router's choice, or the fallback after WebContainer could not boot). */
  cloud?: number;
  sandbox?: number;
  lastFile?: number;
  lastToken?: number;
  install?: number;
  start?: number;
  port?: number;
  preview?: number;
}

interface ChatRun {
  marks: Marks;
  /** The Runtime status as first shown (the router's choice) and at the end. */
  firstRuntime: string;
  runtime: string;
  /** The stepper's own times (s, one decimal), as it shows them once the app is up. */
  stepMs: Record<string, string>;
  streamedMs: number;
}

async function chatRun(browser: Browser, fake: FakeOpenAI, appUrl: string, starter: Starter, answer: Answer): Promise<ChatRun> {
  const prompt = `Set up the ${starter.name} starter`;
  fake.reset();
  fake.script({ match: starter.name, reply: answer.text, ...PACE });
  const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
  const page = await context.newPage();
  try {
    await page.goto(appUrl);
    await page.getByRole('textbox', { name: 'Prompt' }).fill(prompt);
    const marks: Marks = { sent: Date.now() };
    await page.getByRole('button', { name: 'Send' }).click();
    const files = answer.files.length;
    const frame = page.frameLocator('iframe[title="Preview"]');
    const deadline = marks.sent + 360_000;
    let previewTab = false;
    let last: Snapshot | null = null;
    let firstRuntime = '';
    while (!marks.preview) {
      if (Date.now() > deadline) throw new Error(`no preview after ${sec(Date.now() - marks.sent)} s; last seen: ${JSON.stringify(last)}`);
      const began = Date.now();
      const snap = (await page.evaluate(SNAPSHOT).catch(() => null)) as Snapshot | null;
      if (snap) {
        last = snap;
        const at = snap.now;
        if (snap.alert) throw new Error(`the page shows an alert: ${snap.alert}`);
        if (snap.answered) marks.firstToken ??= at;
        if (!firstRuntime && snap.runtime) firstRuntime = snap.runtime.replace(/ · starting… \d+s$/, '');
        if (/^(Cloud sandbox|Moved to a cloud sandbox)/.test(snap.runtime)) marks.cloud ??= at;
        if (snap.steps.creating === 'done') marks.sandbox ??= at;
        const fileRows = snap.actions.slice(0, files);
        if (fileRows[0]?.what === 'package.json' && fileRows[0].state === 'complete') marks.packageJson ??= at;
        if (fileRows.length === files && fileRows.every((a) => a.state === 'complete')) marks.lastFile ??= at;
        if (snap.steps.installing === 'done') marks.install ??= at;
        if (snap.steps.starting === 'done') marks.start ??= at;
        if (snap.steps.ready === 'done') marks.port ??= at;
        const failed = Object.entries(snap.steps).find(([, state]) => state === 'failed') ?? snap.actions.find((a) => a.state === 'failed');
        if (failed) throw new Error(`a step failed: ${JSON.stringify(failed)}`);
        if (CLOUD && !marks.chose) {
          const choose = page.getByRole('button', { name: 'Run in cloud sandbox' });
          if ((await choose.count()) > 0) {
            await choose.click();
            marks.chose = Date.now();
          }
        }
        if (!previewTab && page.url().includes('/chat/')) {
          await page.getByRole('tab', { name: 'Preview' }).click();
          previewTab = true;
        }
        if (snap.iframe) {
          const shown = await Promise.race([frame.getByRole('heading', { name: starter.heading, exact: true }).count(), sleep(2000).then(() => 0)]).catch(() => 0);
          if (shown > 0) marks.preview = Date.now();
        }
      }
      await sleep(Math.max(0, POLL_MS - (Date.now() - began)));
    }
    const request = fake.requests.find((r) => JSON.stringify(r.messages).includes(prompt));
    marks.lastToken = request?.finishedAt;
    const runtime = last?.runtime ?? '';
    // The stepper's own times, as its summary shows them when opened.
    const stepMs = await page.evaluate(() => Object.fromEntries([...document.querySelectorAll('[data-step]')].map((li) => [li.getAttribute('data-step'), (li.textContent ?? '').match(/(\d+\.\d)s\s*$/)?.[1] ?? ''])));
    const streamedMs = (marks.lastToken ?? NaN) - (marks.firstToken ?? NaN);
    return { marks, firstRuntime, runtime: runtime.trim(), stepMs, streamedMs };
  } catch (error) {
    const shot = join(tmpdir(), `bench-starters-${starter.name.replace(/\W+/g, '-')}.png`);
    await page.screenshot({ path: shot }).catch(() => {});
    throw new Error(`${starter.name}: ${(error as Error).message} (screenshot: ${shot})`);
  } finally {
    await deleteSandboxesOf(context, appUrl);
    await context.close();
  }
}

/** Deletes the sandboxes of a browser context's session (its chat's), so the next starter runs alone. */
async function deleteSandboxesOf(context: BrowserContext, appUrl: string) {
  const client = new ApiClient(appUrl);
  client.cookie = (await context.cookies(appUrl)).map((c) => `${c.name}=${c.value}`).join('; ');
  if (!client.cookie) return;
  const api = client.sandboxes();
  for (const sandbox of await api.list().catch(() => [])) await api.delete(sandbox.id).catch(() => {});
}

// --- the app's own boot -----------------------------------------------------------------------------

interface Boot {
  /** Start command → the app's port open (the sandbox reports it). */
  portMs: number;
  /** Start command → the page shows its heading in a browser tab. */
  pageMs: number;
  /** Vite's own "ready in" figure, if it printed one. */
  viteReadyMs?: number;
  installMs: number;
}

async function appBoot(browser: Browser, appUrl: string, starter: Starter, answer: Answer, run: number): Promise<Boot> {
  const client = await ApiClient.withSession(appUrl);
  const api = client.sandboxes();
  const launched = await launch(client, { project: `starter-boot-${run}`, files: answer.files, install: 'npm install --no-audit --no-fund' });
  if (launched.failure) throw new Error(`${starter.name}: the boot's install failed: ${launched.failure}\n${launched.output.slice(-2000)}`);
  const installing = launched.steps.find((s) => s.name === 'installing')?.status;
  const installMs = installing?.state === 'done' ? installing.ms : NaN;
  const { id, previewUrl } = launched.sandbox;
  const context = await browser.newContext();
  const page = await context.newPage();
  const follow = new AbortController();
  let output = '';
  try {
    const began = Date.now();
    const processId = await api.start(id, starter.start);
    void api.follow(id, processId, { onOutput: (chunk) => (output += chunk), signal: follow.signal }).catch(() => {});
    let portMs = 0;
    while (!portMs) {
      const { port } = await api.status(id, 5000);
      if (port !== null) portMs = Date.now() - began;
      else if (Date.now() - began > 120_000) throw new Error(`${starter.name}: the app did not listen within 120 s:\n${output.slice(-2000)}`);
    }
    const heading = page.getByRole('heading', { name: starter.heading, exact: true });
    for (;;) {
      const response = await page.goto(previewUrl).catch(() => null);
      if (response?.ok() && (await heading.waitFor({ timeout: 60_000 }).then(() => true, () => false))) break;
      if (Date.now() - began > 120_000) throw new Error(`${starter.name}: the page did not show "${starter.heading}" within 120 s:\n${output.slice(-2000)}`);
      await sleep(POLL_MS);
    }
    const pageMs = Date.now() - began;
    // eslint-disable-next-line no-control-regex
    const ready = /ready in\s+([\d.]+)\s*(ms|s)\b/.exec(output.replace(/\x1b\[[0-9;]*m/g, ''));
    const viteReadyMs = ready ? Number(ready[1]) * (ready[2] === 's' ? 1000 : 1) : undefined;
    return { portMs, pageMs, viteReadyMs, installMs };
  } finally {
    follow.abort();
    await context.close();
    await api.delete(id).catch(() => {});
  }
}

// --- the run --------------------------------------------------------------------------------------

interface Row {
  starter: Starter;
  answer: Answer;
  chats: ChatRun[];
  boots: Boot[];
}

function rowFigures(row: Row) {
  const from = (pick: (m: Marks) => number | undefined) => median(row.chats.map((c) => (pick(c.marks) ?? NaN) - c.marks.sent));
  const lag = median(row.chats.map((c) => (c.marks.preview ?? NaN) - (c.marks.lastToken ?? NaN)));
  const boot = median(row.boots.map((b) => b.pageMs));
  const installAfterLast = median(row.chats.map((c) => (c.marks.install ?? NaN) - (c.marks.lastToken ?? NaN)));
  // The install could finish during the stream when it takes (as the stepper timed it) no longer than the stream has left once package.json is written.
  const installMs = median(row.chats.map((c) => Number(c.stepMs.installing) * 1000));
  const windowMs = median(row.chats.map((c) => (c.marks.lastToken ?? NaN) - (c.marks.packageJson ?? NaN)));
  return {
    firstToken: from((m) => m.firstToken),
    packageJson: from((m) => m.packageJson),
    installMs,
    windowMs,
    cloud: from((m) => m.cloud),
    sandbox: from((m) => m.sandbox),
    lastFile: from((m) => m.lastFile),
    lastToken: from((m) => m.lastToken),
    install: from((m) => m.install),
    start: from((m) => m.start),
    port: from((m) => m.port),
    preview: from((m) => m.preview),
    lag,
    boot,
    bootPort: median(row.boots.map((b) => b.portMs)),
    viteReady: row.boots.every((b) => b.viteReadyMs !== undefined) ? median(row.boots.map((b) => b.viteReadyMs!)) : undefined,
    bootInstall: median(row.boots.map((b) => b.installMs)),
    installAfterLast,
    lastTokenToStart: median(row.chats.map((c) => (c.marks.start ?? NaN) - (c.marks.lastToken ?? NaN))),
    startToPort: median(row.chats.map((c) => (c.marks.port ?? NaN) - (c.marks.start ?? NaN))),
    portToPreview: median(row.chats.map((c) => (c.marks.preview ?? NaN) - (c.marks.port ?? NaN))),
    streamed: median(row.chats.map((c) => c.streamedMs)),
  };
}

async function main() {
  const loadAtStart = os.loadavg().map((n) => n.toFixed(2)).join(' ');
  const warmCache = existsSync(sharedNpmCacheDir());
  const chrome = (ensureTestDeps as () => string)();
  if (!existsSync(`${ROOT}build/server/index.js`)) {
    log('building the app (npx remix vite:build)');
    execFileSync('npx', ['remix', 'vite:build'], { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'], env: { ...process.env, NODE_ENV: 'production' } });
  }
  const work = mkdtempSync(join(tmpdir(), 'bench-starters-'));
  const rows: Row[] = [];
  const began = Date.now();
  try {
    for (const [i, starter] of STARTERS.entries()) {
      log(`scaffolding ${starter.name}`);
      rows.push({ starter, answer: await answerFor(starter, work, i), chats: [], boots: [] });
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }

  const fake = new FakeOpenAI();
  const app = await startApp({
    OPENROUTER_BASE_URL: await fake.start(),
    OPENROUTER_API_KEY: TEST_KEY,
    DEFAULT_MODEL: 'fake/coder',
    LLM_MAX_RETRIES: '0',
    SANDBOX_PROVIDER: 'local',
    SANDBOX_MAX_PER_SESSION: '10',
    SANDBOX_MAX_TOTAL: '10',
    SANDBOX_MAX_PER_IP: '10',
    SANDBOX_CREATES_PER_MINUTE: '30',
  });
  const browser = await launchChromium(chrome);
  try {
    for (let r = 1; r <= RUNS; r++) {
      for (const row of rows) {
        const { starter, answer } = row;
        log(`run ${r}/${RUNS}: ${starter.name} (${answer.files.length} files, ${answer.text.length} characters: ~${sec((answer.text.length / PACE.chunkSize) * PACE.delayMs)} s of stream)`);
        const chat = await chatRun(browser, fake, app.url, starter, answer);
        row.chats.push(chat);
        const m = chat.marks;
        const at = (t?: number) => sec((t ?? NaN) - m.sent);
        log(`  from Send: first token ${at(m.firstToken)} s, package.json ${at(m.packageJson)} s, sandbox ${at(m.sandbox)} s, last file ${at(m.lastFile)} s, installed ${at(m.install)} s, last token ${at(m.lastToken)} s, start ${at(m.start)} s, port ${at(m.port)} s, preview ${at(m.preview)} s; last token → preview ${sec((m.preview ?? NaN) - (m.lastToken ?? NaN))} s`);
        log(`  runtime: first "${chat.firstRuntime}", then "${chat.runtime}" (cloud at ${at(m.cloud)} s${m.chose ? `, chosen at ${at(m.chose)} s` : ''}); stepper: ${JSON.stringify(chat.stepMs)}`);
        const boot = await appBoot(browser, app.url, starter, answer, r);
        row.boots.push(boot);
        log(`  own boot: start → port ${sec(boot.portMs)} s, → page ${sec(boot.pageMs)} s${boot.viteReadyMs !== undefined ? `, Vite ready in ${boot.viteReadyMs} ms` : ''} (install before it ${sec(boot.installMs)} s)`);
      }
    }
  } catch (error) {
    console.error(`the app's log, last lines:\n${app.logs.join('').split('\n').slice(-40).join('\n')}`);
    throw error;
  } finally {
    await browser.close();
    await app.stop();
    await fake.stop();
  }

  const load = os.loadavg().map((n) => n.toFixed(2)).join(' ');
  const chars = rows.map((r) => r.answer.text.length);
  console.log(`bench:starters — ${os.cpus().length} cores, Node ${process.version}, load average ${loadAtStart} at the start, ${load} at the end; ${RUNS} run${RUNS === 1 ? '' : 's'}${RUNS > 1 ? ' (medians, upper)' : ''}; ${sec(Date.now() - began)} s in all`);
  console.log(`runtime: ${CLOUD ? '--cloud: "Run in cloud sandbox" clicked as soon as offered' : "the product's own choice (router, then fallback)"}; sandboxes: the Local provider (SANDBOX_PROVIDER=local)`);
  console.log(`model stand-in: ${PACE.chunkSize} characters every ${PACE.delayMs} ms (~${Math.round((PACE.chunkSize * 1000) / PACE.delayMs / 4)} tokens/s at 4 characters a token); starters from ${CREATE_VITE} and ${EXPRESS_GENERATOR}; npm cache ${warmCache ? 'warm (kept from earlier runs)' : 'cold'}`);
  for (const row of rows) console.log(`runtime, ${row.starter.name}: first "${row.chats[0].firstRuntime}", at the end "${row.chats.at(-1)!.runtime}"`);
  for (const row of rows) {
    if (row.answer.placeholders.length) console.log(`${row.starter.name}: binary files sent as a small text SVG: ${row.answer.placeholders.join(', ')}`);
  }
  console.log('');
  console.log('Seconds from Send (the chat, as the page shows it):');
  console.log('');
  console.log('| starter | files / chars | first token | package.json | runtime → cloud | sandbox ready | last file | last token | install done | start | port open | preview ready | last token → preview | own boot (start → page) | goal ≤ boot + 1 s |');
  console.log('| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |');
  for (const [i, row] of rows.entries()) {
    const f = rowFigures(row);
    const couldInstall = f.installMs <= f.windowMs;
    const met = f.lag <= f.boot + 1000;
    const verdict = met ? `met (${sec(f.boot + 1000 - f.lag)} s to spare)` : `missed by ${sec(f.lag - f.boot - 1000)} s`;
    const goal = couldInstall ? verdict : `n/a (the install, ${sec(f.installMs)} s, is longer than the ${sec(f.windowMs)} s of stream after package.json): ${verdict}`;
    console.log(`| ${row.starter.name} | ${row.answer.files.length} / ${chars[i]} | ${sec(f.firstToken)} | ${sec(f.packageJson)} | ${sec(f.cloud)} | ${sec(f.sandbox)} | ${sec(f.lastFile)} | ${sec(f.lastToken)} | ${sec(f.install)} | ${sec(f.start)} | ${sec(f.port)} | ${sec(f.preview)} | ${sec(f.lag)} | ${sec(f.boot)} | ${goal} |`);
  }
  console.log('');
  console.log('Where the lag goes (seconds; negative: before the last token), and the app\'s own boot measured alone (fresh sandbox, dependencies installed first):');
  console.log('');
  console.log('| starter | stream (first → last token) | install (stepper) / stream left after package.json | install done − last token | last token → start | start → port open | port open → preview | own boot: start → port / → page | Vite "ready in" | install alone |');
  console.log('| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |');
  for (const row of rows) {
    const f = rowFigures(row);
    console.log(`| ${row.starter.name} | ${sec(f.streamed)} | ${sec(f.installMs)} / ${sec(f.windowMs)} | ${sec(f.installAfterLast)} | ${sec(f.lastTokenToStart)} | ${sec(f.startToPort)} | ${sec(f.portToPreview)} | ${sec(f.bootPort)} / ${sec(f.boot)} | ${f.viteReady === undefined ? '—' : `${Math.round(f.viteReady)} ms`} | ${sec(f.bootInstall)} |`);
  }
}

await main();
