// npm run bench:versions — what versions cost (issue 22's targets); prints figures, asserts nothing.
// (1) Storage, in Node: VersionHistory over fake-indexeddb records 20 turns of a 50-file project (50
// of this repository's own sources, 2–6 KB each; each turn after the first edits one or two: a new
// function or a changed line, from a seeded PRNG), and the bytes stored are read back from the
// chat's `blobs` (each blob's stored bytes) and `versions` (each record's JSON) stores. (2) The
// built app (npm start) with the fake model, SANDBOX_PROVIDER=local, in headless Chromium: the model
// writes 50 files served by `python3 -m http.server` (the router sends Python to a Local sandbox;
// WebContainer cannot boot here either), two turns change two files each; then Restore v1 from the
// Versions view and Undo restore, RUNS times. In the page: the click (a capturing listener), all 50
// files of v1 in the workbench's FilesStore (a listener on that store, reached through React's
// fiber of the Workbench section, comparing every path and content with the store's snapshot at
// v1, itself checked against what the model wrote), each step the "Restoring" status shows, the
// restore version recorded (after the app's start command was accepted), the sandbox reporting the
// app's port again; and, by Playwright in the iframe, the preview showing v1. (3) The same with a
// Python app whose seed script writes a SQLite database of a few hundred KB (turn 2 seeds it anew):
// click → the preview answers with v1's data; then POST (capture) and PUT (restore)
// /api/sandboxes/:id/state on that chat's sandbox through the typed SandboxClient with the page's
// session cookie; and the app's own start alone, in fresh sandboxes with the same files and data
// (start command → the preview proxy answers), cold and as a restart. Medians (upper) of RUNS (3).
import 'fake-indexeddb/auto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import os from 'node:os';
import { join, relative } from 'node:path';
import type { Page } from 'playwright-core';
import { db } from '../app/lib/persistence/chat-db';
import { packedBytes } from '../app/lib/versions/content-address';
import { formatBytes, VersionHistory } from '../app/lib/versions/version-history';
import { FakeOpenAI } from '../tests/fakes/fake-openai';
import { ApiClient, getWithHost, startApp, TEST_KEY } from '../tests/support/app-server';
import { launchChromium } from '../tests/support/browser';
import { launch } from '../tests/support/launch';
import { ensureTestDeps } from '../scripts/ensure-test-deps.mjs';

const RUNS = Number(process.env.RUNS ?? 3);
const ROOT = new URL('..', import.meta.url).pathname;
// This task's port range: the app, the fake model, the sandboxes' ports from 24910.
const APP_PORT = 24900;
const MODEL_PORT = 24901;
const SANDBOX_PORT_BASE = 24910;

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const ms = (x: number) => `${Math.round(x)} ms`;
const msList = (xs: number[]) => `${ms(median(xs))} (runs: ${xs.map((x) => Math.round(x)).join(', ')})`;
const utf8 = (text: string) => Buffer.byteLength(text, 'utf8');
const log = (text: string) => console.error(`[bench:versions] ${text}`);

type File = { path: string; content: string };

/** 50 real source files of this repository (2–6 KB, no tests, none that holds artifact tags), first by path. */
function sourceFiles(count = 50): File[] {
  const dir = join(ROOT, 'app');
  const paths = (readdirSync(dir, { recursive: true }) as string[])
    .map((p) => join(dir, p))
    .filter((p) => /\.tsx?$/.test(p) && !/\.test\./.test(p) && statSync(p).size >= 2000 && statSync(p).size <= 6000)
    .sort();
  const files: File[] = [];
  for (const path of paths) {
    const content = readFileSync(path, 'utf8');
    if (!content.includes('boltA')) files.push({ path: relative(ROOT, path), content });
    if (files.length === count) break;
  }
  if (files.length < count) throw new Error(`only ${files.length} source files of 2–6 KB found`);
  return files;
}

/** A small deterministic PRNG (mulberry32): the same edits every run. */
function prng(seed: number) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A turn's edit of a file: a new function at a line boundary, or one changed line. */
function edit(content: string, turn: number, random: () => number): string {
  const lines = content.split('\n');
  const at = Math.floor(random() * lines.length);
  if (random() < 0.5) {
    lines.splice(at, 0, '', `/** Added in turn ${turn}: keeps labels short in the list. */`, `export function shortLabel${turn}(label: string, max = ${20 + turn}): string {`, '  const trimmed = label.trim();', '  return trimmed.length > max ? `${trimmed.slice(0, max - 1)}…` : trimmed;', '}', '');
  } else {
    lines[at] = `${lines[at]} // turn ${turn}: checked`;
  }
  return lines.join('\n');
}

// --- 1. storage -------------------------------------------------------------------------------

async function storage() {
  const chatId = 'bench-versions-storage';
  const history = new VersionHistory(chatId);
  const random = prng(22);
  const files = Object.fromEntries(sourceFiles().map((f) => [f.path, f.content]));
  const paths = Object.keys(files);
  const recordMs: number[] = [];
  for (let turn = 1; turn <= 20; turn++) {
    if (turn > 1) {
      const edits = random() < 0.5 ? 1 : 2;
      for (let i = 0; i < edits; i++) {
        const path = paths[Math.floor(random() * paths.length)];
        files[path] = edit(files[path], turn, random);
      }
    }
    const began = performance.now();
    await history.record({ kind: 'turn', label: `Turn ${turn}`, files: { ...files } });
    recordMs.push(performance.now() - began);
  }
  const database = await db();
  const blobs = await database.getAllFromIndex('blobs', 'chatId', chatId);
  const versions = await database.getAllFromIndex('versions', 'chatId', chatId);
  const blobBytes = blobs.reduce((n, b) => n + packedBytes(b.content), 0);
  const recordBytes = versions.reduce((n, v) => n + utf8(JSON.stringify(v)), 0);
  const projectBytes = Object.values(files).reduce((n, text) => n + utf8(text), 0);
  const stored = blobBytes + recordBytes;
  return { files: paths.length, versions: versions.length, blobs: blobs.length, blobBytes, recordBytes, projectBytes, stored, ratio: stored / projectBytes, recordMs: median(recordMs.slice(1)) };
}

// --- the browser's side -----------------------------------------------------------------------

/** The probes of one restore, in the page's clock (epoch ms): the click, the files, the version, each step the timeline shows, the end. */
interface Probe {
  click: number;
  files: number;
  recorded: number;
  /** The sandbox reported the app's port again (the workbench then reloads the preview). */
  served: number;
  steps: Array<[string, number]>;
  done: number;
}

/** Reaches the open chat's Workbench model through React's fiber of its section (the app exposes no hook for this); null before it shows. */
const WORKBENCH = `(() => {
  const section = document.querySelector('section[aria-label="Workbench"]');
  const key = section && Object.keys(section).find((k) => k.startsWith('__reactFiber$'));
  let fiber = key ? section[key] : null;
  while (fiber && !(fiber.memoizedProps && fiber.memoizedProps.workbench)) fiber = fiber.return;
  return fiber ? fiber.memoizedProps.workbench : null;
})()`;

/** Keeps the workbench's current files in the page as `name` (the expected files of a later restore); returns their count and bytes. */
async function keepFiles(page: Page, name: string): Promise<{ count: number; bytes: number }> {
  return page.evaluate(
    ({ name, WORKBENCH }) => {
      const wb = eval(WORKBENCH);
      const files = wb.files.snapshot() as Record<string, string>;
      const w = window as unknown as { __expected: Record<string, Record<string, string>> };
      w.__expected ??= {};
      w.__expected[name] = files;
      return { count: Object.keys(files).length, bytes: Object.values(files).reduce((n, t) => n + new TextEncoder().encode(t).length, 0) };
    },
    { name, WORKBENCH },
  );
}

/**
 * Arms the probes for the next restore: a capturing click listener for the button `button`, a
 * listener on the FilesStore that notes when every path and content equals the kept files
 * `expected` (and no other path is there), and one on the version list for a restore of `from`.
 */
async function arm(page: Page, options: { button: string; expected: string; from: number }) {
  // Plain JavaScript: tsx would wrap named functions in a helper the page does not have.
  await page.evaluate(`((button, expected, from) => {
    const wb = ${WORKBENCH};
    const want = window.__expected[expected];
    const wantPaths = Object.keys(want);
    const now = () => performance.timeOrigin + performance.now();
    const probe = (window.__probe = { click: 0, files: 0, recorded: 0, served: 0, steps: [], done: 0 });
    const matches = (files) => Object.keys(files).length === wantPaths.length && wantPaths.every((p) => files[p] === want[p]);
    const stopFiles = wb.files.files.listen((files) => {
      if (probe.click && !probe.files && matches(files)) {
        probe.files = now();
        stopFiles();
      }
    });
    const before = wb.versions.versions.get().length;
    const stopVersions = wb.versions.versions.listen((list) => {
      const last = list.at(-1);
      if (probe.click && list.length > before && last && last.kind === 'restore' && last.from === from) {
        probe.recorded = now();
        stopVersions();
      }
    });
    const stopServed = wb.runtime.previewServed.listen(() => {
      if (!probe.steps.some(([step]) => step === 'restarting the app')) return;
      probe.served = now();
      stopServed();
    });
    // The steps the timeline's "Restoring" status shows, as Checkpoints.restore sets them.
    const stopSteps = wb.checkpoints.restoring.listen((restoring) => {
      if (!probe.click) return;
      if (restoring && probe.steps.at(-1)?.[0] !== restoring.step) probe.steps.push([restoring.step, now()]);
      if (!restoring && probe.steps.length) {
        probe.done = now();
        stopSteps();
      }
    });
    const onClick = (event) => {
      const clicked = event.target.closest('button');
      if (!clicked || clicked.textContent.trim() !== button) return;
      probe.click = now();
      document.removeEventListener('click', onClick, true);
    };
    document.addEventListener('click', onClick, true);
  })(${JSON.stringify(options.button)}, ${JSON.stringify(options.expected)}, ${options.from})`);
}

async function probeDone(page: Page): Promise<Probe> {
  await page.waitForFunction(
    ({ WORKBENCH }) => {
      const probe = (window as unknown as { __probe: Probe }).__probe;
      return probe.click > 0 && probe.files > 0 && probe.recorded > 0 && probe.served > 0 && probe.done > 0;
    },
    { WORKBENCH },
    { timeout: 120_000, polling: 100 },
  );
  return page.evaluate(() => (window as unknown as { __probe: Probe }).__probe);
}

/** How the chat's runtime was chosen and what it is, as the workbench knows it. */
function runtimeOf(page: Page): Promise<string> {
  return page.evaluate(({ WORKBENCH }) => {
    const wb = eval(WORKBENCH);
    const routing = wb.runtime.routing.get();
    const current = wb.runtime.current.get();
    return `${current?.kind ?? 'none'} (${routing.source}: ${routing.reasons.join('; ')}${routing.note ? `; ${routing.note}` : ''})`;
  }, { WORKBENCH });
}

const timeline = (page: Page) => page.getByRole('list', { name: 'Versions' });
const versionItem = (page: Page, seq: number) => timeline(page).getByRole('listitem', { name: `Version ${seq}`, exact: true });
const openTab = (page: Page, name: 'Versions' | 'Preview' | 'Code') => page.getByRole('tab', { name }).click();
const latestSeq = (page: Page) => page.evaluate(({ WORKBENCH }) => (eval(WORKBENCH).versions.latest()?.seq ?? 0) as number, { WORKBENCH });

async function send(page: Page, prompt: string, seq: number) {
  await page.getByRole('textbox', { name: 'Prompt' }).fill(prompt);
  await page.getByRole('button', { name: 'Send' }).click();
  await page.waitForURL(/\/chat\/\w+/);
  // The version list, not the Versions view: the workbench brings the preview to the front when the app comes up.
  await page.waitForFunction(({ seq, WORKBENCH }) => (eval(WORKBENCH)?.versions.versions.get().length ?? 0) >= seq, { seq, WORKBENCH }, { timeout: 180_000, polling: 200 });
}

async function previewShows(page: Page, text: string, timeout = 120_000) {
  await page.frameLocator('iframe[title="Preview"]').getByText(text, { exact: true }).first().waitFor({ timeout });
}

/**
 * Restore v1, then Undo restore, `runs` times; each timed from its click (see the header). The
 * preview is watched for `v1Text` and `backText` (the page of v1, and of the version undone to).
 */
async function restoreCycles(page: Page, runs: number, v1Text: string, backText: string) {
  const restore = { files: [] as number[], recorded: [] as number[], served: [] as number[], preview: [] as number[], steps: [] as Probe['steps'][] };
  const undo = { files: [] as number[], recorded: [] as number[], served: [] as number[], preview: [] as number[], steps: [] as Probe['steps'][] };
  const note = (into: typeof restore, probe: Probe, previewAt: number) => {
    into.files.push(probe.files - probe.click);
    into.recorded.push(probe.recorded - probe.click);
    into.served.push(probe.served - probe.click);
    into.preview.push(previewAt - probe.click);
    // Each step's duration: from its start to the next one's (the last one's to the end); the click to the first step as "click".
    const marks: Array<[string, number]> = [['click', probe.click], ...probe.steps, ['end', probe.done]];
    into.steps.push(marks.slice(0, -1).map(([name, at], i) => [name, marks[i + 1][1] - at]));
  };
  for (let run = 1; run <= runs; run++) {
    await openTab(page, 'Versions');
    await arm(page, { button: 'Restore v1', expected: 'v1', from: 1 });
    await versionItem(page, 1).getByRole('button', { name: 'Restore', exact: true }).click();
    await page.getByRole('group', { name: 'Restore v1?' }).getByRole('button', { name: 'Restore v1' }).click();
    await openTab(page, 'Preview');
    await previewShows(page, v1Text);
    const shownV1 = Date.now();
    note(restore, await probeDone(page), shownV1);

    await openTab(page, 'Versions');
    const back = (await latestSeq(page)) - 1;
    await arm(page, { button: 'Undo restore', expected: 'latest', from: back });
    await page.getByRole('button', { name: 'Undo restore' }).click();
    await openTab(page, 'Preview');
    await previewShows(page, backText);
    const shownBack = Date.now();
    note(undo, await probeDone(page), shownBack);
    log(`restore ${run}/${runs}: v1 files ${ms(restore.files.at(-1)!)}, recorded ${ms(restore.recorded.at(-1)!)}, preview ${ms(restore.preview.at(-1)!)}; undo files ${ms(undo.files.at(-1)!)}, preview ${ms(undo.preview.at(-1)!)}`);
  }
  const versions = await page.evaluate(({ WORKBENCH }) => (eval(WORKBENCH).versions.versions.get() as Array<{ seq: number; kind: string; from?: number }>).map((v) => `v${v.seq} ${v.kind}${v.from ? ` of v${v.from}` : ''}`).join(', '), { WORKBENCH });
  return { restore, undo, versions };
}

/** Each step's median duration over the runs, in the order of the first run: "click 3 ms · reading the version 12 ms · …". */
function steps(runs: Probe['steps'][]): string {
  return runs[0].map(([name]) => `${name} ${ms(median(runs.map((run) => run.find(([n]) => n === name)?.[1] ?? 0)))}`).join(' · ');
}

/** A failed part leaves a screenshot of its page behind, named in the error. */
async function withScreenshot(page: Page, name: string, error: unknown): Promise<unknown> {
  const path = join(os.tmpdir(), `bench-versions-${name}.png`);
  await page.screenshot({ path }).catch(() => {});
  if (error instanceof Error) error.message += `\n(screenshot: ${path})`;
  return error;
}

// --- 2. the 50-file project ---------------------------------------------------------------------

const artifact = (id: string, actions: string) => `Here it is.\n\n<boltArtifact id="${id}" title="${id}">${actions}</boltArtifact>`;
const fileAction = (f: File) => `<boltAction type="file" filePath="${f.path}">${f.content}</boltAction>`;
const catalogPage = (n: number) => ({ path: 'index.html', content: `<!doctype html>\n<html lang="en">\n<head><meta charset="utf-8"><title>Catalog</title></head>\n<body>\n<h1>Catalog v${n}</h1>\n<p>The project's sources are served next to this page.</p>\n</body>\n</html>\n` });
const HTTP_SERVER = '<boltAction type="start">python3 -m http.server "$PORT"</boltAction>';

async function fiftyFiles(browser: Awaited<ReturnType<typeof launchChromium>>, fake: FakeOpenAI, appUrl: string) {
  const sources = sourceFiles(49);
  const random = prng(7);
  const turn2 = [catalogPage(2), { ...sources[10], content: edit(sources[10].content, 2, random) }];
  const turn3 = [catalogPage(3), { ...sources[30], content: edit(sources[30].content, 3, random) }];
  fake.reset();
  fake.script(
    { match: 'BENCH-CATALOG-3', reply: artifact('catalog-3', turn3.map(fileAction).join('') + HTTP_SERVER) },
    { match: 'BENCH-CATALOG-2', reply: artifact('catalog-2', turn2.map(fileAction).join('') + HTTP_SERVER) },
    { match: 'BENCH-CATALOG-1', reply: artifact('catalog-1', [catalogPage(1), ...sources].map(fileAction).join('') + HTTP_SERVER), chunkSize: 4096 },
  );
  const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
  const page = await context.newPage();
  try {
    await page.goto(appUrl);
    await send(page, 'Serve a catalog of the sources (BENCH-CATALOG-1)', 1);
    const v1 = await keepFiles(page, 'v1');
    if (v1.count !== 50) throw new Error(`v1 has ${v1.count} files, not 50`);
    // What the probes compare with is exactly what the model wrote.
    const sent = Object.fromEntries([catalogPage(1), ...sources].map((f) => [f.path, f.content]));
    const differing = await page.evaluate((sent) => Object.keys(sent).filter((p) => (window as unknown as { __expected: Record<string, Record<string, string>> }).__expected.v1[p] !== sent[p]), sent);
    if (differing.length) throw new Error(`the workbench's v1 differs from what the model wrote: ${differing.join(', ')}`);
    await openTab(page, 'Preview');
    await previewShows(page, 'Catalog v1');
    await send(page, 'Change the catalog page (BENCH-CATALOG-2)', 2);
    await send(page, 'Change it again (BENCH-CATALOG-3)', 3);
    await openTab(page, 'Preview');
    await previewShows(page, 'Catalog v3');
    await keepFiles(page, 'latest');
    const runtime = await runtimeOf(page);
    const v1State = await page.evaluate(({ WORKBENCH }) => JSON.stringify(eval(WORKBENCH).versions.get(1)?.state ?? null), { WORKBENCH });
    log(`50-file chat ready (${v1.count} files, ${formatBytes(v1.bytes)}), runtime ${runtime}`);
    const cycles = await restoreCycles(page, RUNS, 'Catalog v1', 'Catalog v3');
    return { ...cycles, files: v1.count, bytes: v1.bytes, runtime, v1State };
  } catch (error) {
    throw await withScreenshot(page, 'fifty-files', error);
  } finally {
    await context.close();
  }
}

// --- 3. app data ----------------------------------------------------------------------------------

const SEED = `import os, random, sqlite3, sys

# Seeds the app's database anew: a few hundred KB of items, made by the version named on the command line.
made_by = sys.argv[1]
rows = {"one": 2500, "two": 3000}.get(made_by, 2000)
os.makedirs("data", exist_ok=True)
if os.path.exists("data/app.db"):
    os.remove("data/app.db")
random.seed(made_by)
words = ["alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel", "india", "juliet", "kilo", "lima"]
db = sqlite3.connect("data/app.db")
db.execute("create table meta (made_by text)")
db.execute("insert into meta values (?)", (made_by,))
db.execute("create table items (id integer primary key, name text, note text, price real)")
db.executemany(
    "insert into items (name, note, price) values (?, ?, ?)",
    [(" ".join(random.choices(words, k=3)), "".join(random.choices("abcdefghijklmnopqrstuvwxyz ", k=90)), random.random() * 100) for _ in range(rows)],
)
db.commit()
db.close()
`;

const serverPy = (heading: string) => `import os, sqlite3
from http.server import BaseHTTPRequestHandler, HTTPServer

class Page(BaseHTTPRequestHandler):
    def do_GET(self):
        db = sqlite3.connect("data/app.db")
        made_by = db.execute("select made_by from meta").fetchone()[0]
        count = db.execute("select count(*) from items").fetchone()[0]
        db.close()
        body = f"<h1>Inventory ${heading}</h1><p>data made by {made_by}, {count} items</p>".encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.end_headers()
        self.wfile.write(body)

HTTPServer(("0.0.0.0", int(os.environ.get("PORT", "3000"))), Page).serve_forever()
`;

const dataTurn = (n: 'one' | 'two') =>
  artifact(`inventory-${n}`, fileAction({ path: 'server.py', content: serverPy(n) }) + fileAction({ path: 'seed.py', content: SEED }) + `<boltAction type="shell">python3 seed.py ${n}</boltAction><boltAction type="start">python3 server.py</boltAction>`);

async function withAppData(browser: Awaited<ReturnType<typeof launchChromium>>, fake: FakeOpenAI, appUrl: string) {
  fake.reset();
  fake.script({ match: 'BENCH-DATA-2', reply: dataTurn('two') }, { match: 'BENCH-DATA-1', reply: dataTurn('one') });
  const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
  const page = await context.newPage();
  try {
    await page.goto(appUrl);
    await send(page, 'Build an inventory with a database (BENCH-DATA-1)', 1);
    await keepFiles(page, 'v1');
    await openTab(page, 'Preview');
    await previewShows(page, 'data made by one, 2500 items');
    await send(page, 'Seed it anew (BENCH-DATA-2)', 2);
    await openTab(page, 'Preview');
    await previewShows(page, 'data made by two, 3000 items');
    await keepFiles(page, 'latest');
    const kept = await page.evaluate(({ WORKBENCH }) => {
      const state = eval(WORKBENCH).versions.get(1)?.state;
      return state?.kind === 'archive' ? { bytes: state.bytes as number, files: state.files as number } : { bytes: 0, files: 0, why: JSON.stringify(state) };
    }, { WORKBENCH });
    if (!kept.bytes) throw new Error(`v1 kept no app data: ${JSON.stringify(kept)}`);
    const runtime = await runtimeOf(page);
    log(`app-data chat ready: v1 keeps ${formatBytes(kept.bytes)} of app data (${kept.files} entries), runtime ${runtime}`);
    const cycles = await restoreCycles(page, RUNS, 'data made by one, 2500 items', 'data made by two, 3000 items');
    // What the state routes are timed with afterwards: this chat's sandbox, as this browser's session.
    const cookie = (await context.cookies(appUrl)).map((c) => `${c.name}=${c.value}`).join('; ');
    const chat = await page.evaluate(({ WORKBENCH }) => {
      const wb = eval(WORKBENCH);
      return { sandboxId: wb.runtime.record.sandboxId as string, keep: Object.keys(wb.files.snapshot()) };
    }, { WORKBENCH });
    return { ...cycles, archiveBytes: kept.bytes, runtime, chat: { ...chat, cookie } };
  } catch (error) {
    throw await withScreenshot(page, 'app-data', error);
  } finally {
    await context.close();
  }
}

/** The app's own start, alone: in fresh sandboxes of the API client's own with the same files and v1's data, start command → the preview proxy answers with the page; cold (the sandbox's first start) and again (a restart). */
async function appStarts(appUrl: string) {
  const client = await ApiClient.withSession(appUrl);
  const api = client.sandboxes();
  const files = [
    { path: 'server.py', content: serverPy('one') },
    { path: 'seed.py', content: SEED },
  ];
  const cold: number[] = [];
  const again: number[] = [];
  let dbBytes = 0;
  for (let run = 1; run <= RUNS; run++) {
    const launched = await launch(client, { project: `versions-bench-start-${run}`, files, install: 'python3 seed.py one' });
    if (launched.failure) throw new Error(`${launched.failure}\n${launched.output}`);
    const { id, previewUrl } = launched.sandbox;
    dbBytes = Number((await execOut(api, id, 'wc -c < data/app.db')).trim());
    const answers = async () => (await getWithHost(appUrl, previewUrl).catch(() => ({ status: 0, body: '' }))).body.includes('data made by one, 2500 items');
    const start = async () => {
      const began = performance.now();
      const processId = await api.start(id, 'python3 server.py');
      while (!(await answers())) await new Promise((r) => setTimeout(r, 10));
      const took = performance.now() - began;
      await api.kill(id, processId);
      while (await answers()) await new Promise((r) => setTimeout(r, 20));
      return took;
    };
    cold.push(await start());
    again.push(await start());
    await api.delete(id);
  }
  return { cold, again, dbBytes };
}

/** The state routes alone, on the chat's own sandbox (its session's cookie), after the browser's restores: POST (capture) and PUT (restore) through the typed SandboxClient. */
async function stateRoutes(appUrl: string, chat: { cookie: string; sandboxId: string; keep: string[] }) {
  const client = new ApiClient(appUrl);
  client.cookie = chat.cookie;
  const api = client.sandboxes();
  const capture: number[] = [];
  let archive: Uint8Array = new Uint8Array();
  for (let run = 1; run <= RUNS; run++) {
    const began = performance.now();
    archive = (await api.captureState(chat.sandboxId, chat.keep)).archive;
    capture.push(performance.now() - began);
  }
  const restore: number[] = [];
  for (let run = 1; run <= RUNS; run++) {
    const began = performance.now();
    await api.restoreState(chat.sandboxId, archive, chat.keep);
    restore.push(performance.now() - began);
  }
  return { capture, restore, archiveBytes: archive.length };
}

async function execOut(api: ReturnType<ApiClient['sandboxes']>, id: string, command: string): Promise<string> {
  let output = '';
  const { exitCode } = await api.exec(id, command, { onOutput: (c) => (output += c) });
  if (exitCode !== 0) throw new Error(`${command}: exit ${exitCode}\n${output}`);
  return output;
}

// --- the run --------------------------------------------------------------------------------------

async function main() {
  const loadAtStart = os.loadavg().map((n) => n.toFixed(2)).join(' ');
  log('1/3 storage');
  const stored = await storage();

  const chrome = (ensureTestDeps as () => string)();
  const fake = new FakeOpenAI();
  const app = await startApp(
    {
      OPENROUTER_BASE_URL: await fake.start(MODEL_PORT),
      OPENROUTER_API_KEY: TEST_KEY,
      DEFAULT_MODEL: 'fake/coder',
      LLM_MAX_RETRIES: '0',
      SANDBOX_PROVIDER: 'local',
      SANDBOX_PORT_BASE: String(SANDBOX_PORT_BASE),
      SANDBOX_MAX_PER_SESSION: '10',
      SANDBOX_MAX_TOTAL: '10',
      SANDBOX_MAX_PER_IP: '10',
      SANDBOX_CREATES_PER_MINUTE: '30',
    },
    { port: APP_PORT },
  );
  const browser = await launchChromium(chrome);
  let fifty: Awaited<ReturnType<typeof fiftyFiles>>;
  let data: Awaited<ReturnType<typeof withAppData>>;
  let routes: Awaited<ReturnType<typeof stateRoutes>>;
  let starts: Awaited<ReturnType<typeof appStarts>>;
  try {
    log('2/3 restore of a 50-file project in the browser');
    fifty = await fiftyFiles(browser, fake, app.url);
    log('3/3 restore with app data');
    data = await withAppData(browser, fake, app.url);
    routes = await stateRoutes(app.url, data.chat);
    starts = await appStarts(app.url);
  } catch (error) {
    console.error(`the app's log, last lines:\n${app.logs.join('').split('\n').slice(-40).join('\n')}`);
    throw error;
  } finally {
    await browser.close();
    await app.stop();
    await fake.stop();
  }

  const load = os.loadavg().map((n) => n.toFixed(2)).join(' ');
  const whole = median(data.restore.preview);
  const cold = median(starts.cold);
  const again = median(starts.again);
  console.log(`bench:versions — ${os.cpus().length} cores, Node ${process.version}, load average ${loadAtStart} at the start, ${load} at the end; RUNS=${RUNS}, medians (upper)`);
  console.log('');
  console.log(`1. Storage (Node, VersionHistory over fake-indexeddb): ${stored.versions} versions of a ${stored.files}-file project (the repository's own sources, 2–6 KB), 1–2 files edited a turn`);
  console.log(`   project now ${formatBytes(stored.projectBytes)} (${stored.projectBytes} B UTF-8); stored ${formatBytes(stored.stored)} (${stored.stored} B) = ${stored.blobs} blobs ${stored.blobBytes} B + ${stored.versions} version records (JSON) ${stored.recordBytes} B; ${stored.ratio.toFixed(2)}× the project`);
  console.log(`   recording a turn: ${ms(stored.recordMs)} (median of turns 2–20)`);
  console.log('');
  console.log(`2. Restore in the browser (headless Chromium, the built app, fake model): ${fifty.files} files, ${formatBytes(fifty.bytes)}, served by python3 -m http.server`);
  console.log(`   runtime: ${fifty.runtime} — a Local sandbox (WebContainer cannot boot on this machine either)`);
  console.log(`   restore v1: click → all ${fifty.files} files of v1 in the workbench's FilesStore ${msList(fifty.restore.files)}`);
  console.log(`               click → restore version recorded (files, app data, app's start command accepted) ${msList(fifty.restore.recorded)}`);
  console.log(`               click → the sandbox reports the app's port (the workbench reloads the preview) ${msList(fifty.restore.served)}`);
  console.log(`               click → preview shows v1 ${msList(fifty.restore.preview)}`);
  console.log(`               steps: ${steps(fifty.restore.steps)}`);
  console.log(`   undo:       click → v3's files in the FilesStore ${msList(fifty.undo.files)}; → recorded ${msList(fifty.undo.recorded)}; → preview ${msList(fifty.undo.preview)}`);
  console.log(`   timeline after: ${fifty.versions}; v1's app data: ${fifty.v1State}`);
  console.log('');
  console.log(`3. Restore with app data: Python + a SQLite database of ${formatBytes(starts.dbBytes)} (v1's archive ${formatBytes(data.archiveBytes)}), runtime ${data.runtime.replace(/; needs Python.*\)$/, '; …)')}`);
  console.log(`   POST /api/sandboxes/:id/state (capture, ${formatBytes(routes.archiveBytes)} gzip tar) ${msList(routes.capture)}`);
  console.log(`   PUT  /api/sandboxes/:id/state (restore; stops the app) ${msList(routes.restore)}`);
  console.log(`   the app's own start (start command → the preview proxy answers with its page): cold ${msList(starts.cold)}; restart ${msList(starts.again)}`);
  console.log(`   restore v1: click → files in the FilesStore ${msList(data.restore.files)}; → recorded ${msList(data.restore.recorded)}; → the app's port reported ${msList(data.restore.served)}`);
  console.log(`               click → the restored app answers in the preview with v1's data ${msList(data.restore.preview)}`);
  console.log(`               steps: ${steps(data.restore.steps)}`);
  console.log(`   undo:       click → the app answers with v2's data ${msList(data.undo.preview)}`);
  console.log(`   timeline after: ${data.versions}`);
  console.log('');
  console.log('| measure | figure | target |');
  console.log('| --- | --- | --- |');
  console.log(`| storage: 20 versions of a 50-file project, stored ÷ project | ${stored.ratio.toFixed(2)}× (${formatBytes(stored.stored)} ÷ ${formatBytes(stored.projectBytes)}) | under 2× |`);
  console.log(`| 50-file restore: click → v1's 50 files in the workbench | ${ms(median(fifty.restore.files))} | under 1 s |`);
  console.log(`| 50-file restore: click → restore version recorded | ${ms(median(fifty.restore.recorded))} | — |`);
  console.log(`| 50-file restore: click → preview shows v1 | ${ms(median(fifty.restore.preview))} | — |`);
  console.log(`| state capture (POST …/state), ${formatBytes(routes.archiveBytes)} | ${ms(median(routes.capture))} | — |`);
  console.log(`| state restore (PUT …/state) | ${ms(median(routes.restore))} | — |`);
  console.log(`| the app's own start: cold / restart | ${ms(cold)} / ${ms(again)} | — |`);
  console.log(`| restore with app data: click → restored app answers in the preview | ${ms(whole)} | — |`);
  console.log(`| … minus the app's own start (cold / restart) | ${ms(whole - cold)} / ${ms(whole - again)} | within 2 s |`);
}

await main();
