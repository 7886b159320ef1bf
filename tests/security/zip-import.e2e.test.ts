// Zip bombs against the landing page's import, in Chromium (issue 20, item 4): a 3.3 MB zip of
// 3,000 entries of 1,000,000 zero bytes (it grew a tab to 15.6 GB and crashed it), and entries
// whose headers declare far less than they hold. The import must refuse from the central
// directory, stop an entry at its declared size, keep the tab responsive and its memory small,
// and say why.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, startApp, type App } from '../e2e/harness';
import { forgeZip } from '../helpers/zip-forge';

const PORT = 24100;
/** Chromium may grow this much (all its processes) before the test stops it: a bomb must not take the machine with it. */
const WATCHDOG_RSS_BYTES = 1_500_000_000;

let app: App;
let browser: Browser;
const zipDir = mkdtempSync(join(tmpdir(), 'zip-import-'));

/** Picks `bytes` as `name` in the landing page's zip input, from a file on disk (a buffer would be decoded by script in the page, a long task of the test's own). */
async function importZip(page: Page, name: string, bytes: Uint8Array) {
  const path = join(zipDir, name);
  writeFileSync(path, bytes);
  await page.getByLabel('Import a zip').setInputFiles(path);
}

beforeAll(async () => {
  // No model: an import needs none. Sandbox ports stay in this test's range.
  app = await startApp({ SANDBOX_PROVIDER: 'local', OPENROUTER_API_KEY: '', SANDBOX_PORT_BASE: String(PORT + 50) }, { port: PORT });
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close().catch(() => undefined);
  await app?.stop();
  rmSync(zipDir, { recursive: true, force: true });
});

declare global {
  interface Window {
    longTasks: Array<{ start: number; duration: number }>;
    navigatedAt?: number;
  }
}

/** The landing page, with every long task recorded from the start and the first client-side navigation timed. */
async function landingPage(): Promise<Page> {
  // A test before this one may have had Chromium killed by the watchdog.
  if (!browser.isConnected()) browser = await launchBrowser();
  const page = await (await browser.newContext({ viewport: { width: 1400, height: 900 } })).newPage();
  await page.addInitScript(() => {
    window.longTasks = [];
    new PerformanceObserver((list) => {
      for (const entry of list.getEntries()) window.longTasks.push({ start: entry.startTime, duration: entry.duration });
    }).observe({ type: 'longtask', buffered: true });
    const pushState = history.pushState.bind(history);
    history.pushState = (...args: Parameters<History['pushState']>) => {
      window.navigatedAt ??= performance.now();
      pushState(...args);
    };
  });
  await page.goto(app.url);
  await expect.poll(() => page.getByLabel('Import a zip').count(), { timeout: 15_000 }).toBe(1);
  return page;
}

const rssOf = (pid: number) => {
  try {
    return Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) * 1024;
  } catch {
    return 0;
  }
};

/** A promise's value, or `undefined` when it has not settled within `ms` (a page whose main thread is busy does not answer). */
const within = <T>(ms: number, promise: Promise<T>) => Promise.race([promise.catch(() => undefined), new Promise<undefined>((r) => setTimeout(r, ms))]);

/**
 * What an import costs the tab, from now until `done` (call it before the import starts, so the
 * baselines are taken while the page is idle): the page's JS heap (CDP), the resident memory of
 * every Chromium process (/proc), and how long the page takes to answer an evaluate. Past the
 * watchdog, Chromium is killed and the figures say so.
 */
async function watchFromNow(page: Page) {
  const cdp = await page.context().newCDPSession(page);
  const browserCdp = await browser.newBrowserCDPSession();
  const pids = async () => ((await within(2000, browserCdp.send('SystemInfo.getProcessInfo')))?.processInfo ?? []).map((p) => p.id);
  let known = await pids();
  const rss = () => known.reduce((sum, pid) => sum + rssOf(pid), 0);
  const baseline = { heap: (await cdp.send('Runtime.getHeapUsage')).usedSize, rss: rss() };
  return async (done: () => Promise<boolean>, timeoutMs: number) => {
    const figures = { finished: false, killed: false, seconds: 0, heapGrowth: 0, rssGrowth: 0, slowestAnswerMs: 0 };
    // Memory is sampled on a timer of its own: a frozen page must not slow the watchdog down.
    const watchdog = setInterval(() => {
      figures.rssGrowth = Math.max(figures.rssGrowth, rss() - baseline.rss);
      if (figures.rssGrowth <= WATCHDOG_RSS_BYTES || figures.killed) return;
      figures.killed = true;
      for (const pid of known) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // already gone
        }
      }
    }, 100);
    const started = Date.now();
    try {
      while (Date.now() - started < timeoutMs && !figures.killed) {
        const asked = Date.now();
        const answered = await within(5000, page.evaluate(() => 0));
        figures.slowestAnswerMs = Math.max(figures.slowestAnswerMs, Date.now() - asked);
        known = [...new Set([...known, ...(await pids())])];
        const heap = await within(1000, cdp.send('Runtime.getHeapUsage'));
        if (heap) figures.heapGrowth = Math.max(figures.heapGrowth, heap.usedSize - baseline.heap);
        if (answered !== undefined && !figures.killed && (await within(5000, done()))) {
          figures.finished = true;
          break;
        }
        await new Promise((r) => setTimeout(r, 200));
      }
    } finally {
      clearInterval(watchdog);
    }
    if (figures.killed) await expect.poll(() => browser.isConnected(), { timeout: 10_000 }).toBe(false);
    figures.seconds = (Date.now() - started) / 1000;
    return figures;
  };
}

/** The longest task the page ran from `since` until it navigated (the chat page's own rendering is not the import's). */
async function longestTaskSince(page: Page, since: number) {
  await page.waitForTimeout(300);
  return page.evaluate((from) => Math.max(0, ...window.longTasks.filter((t) => t.start >= from && t.start < (window.navigatedAt ?? Infinity)).map((t) => t.duration)), since);
}

const MB = 1_000_000;

describe('zip import against zip bombs, in Chromium', () => {
  it('refuses a 3,000-entry bomb from its central directory, with a sentence, while the tab stays responsive and small', async () => {
    const zeros = new Uint8Array(1_000_000);
    const bomb = forgeZip(Array.from({ length: 3000 }, (_, i) => ({ name: `bomb/${i}.txt`, content: zeros })));
    expect(bomb.length).toBeLessThan(3.5 * MB);
    const page = await landingPage();
    const since = await page.evaluate(() => performance.now());
    const watch = await watchFromNow(page);
    await importZip(page, 'bomb.zip', bomb);
    const figures = await watch(async () => (await page.getByRole('alert').count()) > 0, 60_000);
    console.log('bomb:', JSON.stringify(figures));
    expect(figures).toMatchObject({ finished: true, killed: false });
    const longest = await longestTaskSince(page, since);
    console.log('bomb: longest task', longest, 'ms');
    expect(await page.getByRole('alert').innerText()).toMatch(
      /^This zip would unpack to 3,000,000,000 bytes, \d{3} times its own size: refused as a possible zip bomb \(an import unpacks at most 100 times an archive's size\)\.$/,
    );
    expect(new URL(page.url()).pathname).toBe('/');
    expect(longest).toBeLessThan(200);
    expect(figures.slowestAnswerMs).toBeLessThan(1000);
    expect(figures.heapGrowth).toBeLessThan(30 * MB);
    expect(figures.rssGrowth).toBeLessThan(300 * MB);
    await page.context().close();
  }, 120_000);

  it('stops entries whose real size passes their declared size, lists them, and imports the rest', async () => {
    const zeros = new Uint8Array(1_000_000);
    const liar = forgeZip([
      { name: 'site/index.html', content: '<h1>Kept</h1>\n' },
      // Declared small enough for every cap and ratio: only the inflated bytes show the lie.
      { name: 'site/notes.txt', content: 'a'.repeat(1_000_000), declaredSize: 1000 },
      { name: 'site/__proto__', content: '{"polluted": true}' },
      ...Array.from({ length: 300 }, (_, i) => ({ name: `site/blob-${i}.txt`, content: zeros, declaredSize: 1000 })),
    ]);
    const page = await landingPage();
    const since = await page.evaluate(() => performance.now());
    const watch = await watchFromNow(page);
    await importZip(page, 'liar.zip', liar);
    const imported = page.getByText(/^Imported \d+ files? from liar\.zip\./);
    const figures = await watch(async () => (await imported.count()) > 0 || (await page.getByRole('alert').count()) > 0, 60_000);
    console.log('liar:', JSON.stringify(figures));
    expect(figures).toMatchObject({ finished: true, killed: false });
    const longest = await longestTaskSince(page, since);
    console.log('liar: longest task before the chat page', longest, 'ms', JSON.stringify(await page.evaluate((from) => ({ nav: (window.navigatedAt ?? 0) - from, tasks: window.longTasks.filter((t) => t.start >= from).map((t) => [Math.round(t.start - from), Math.round(t.duration)]) }), since)));
    expect(await page.getByRole('alert').count()).toBe(0);
    expect(await imported.innerText()).toBe('Imported 1 file from liar.zip.');
    const note = await page.getByRole('listitem').allInnerTexts();
    console.log('liar note:', JSON.stringify(note.slice(0, 4)), '…', JSON.stringify(note.slice(-3)));
    expect(note).toContain('notes.txt: holds more than the 1,000 bytes its header declares');
    expect(note).toContain('__proto__: the name "__proto__" is reserved in the app; rename the file');
    expect(note.filter((line) => /^blob-\d+\.txt: /.test(line)).length).toBeGreaterThan(0);
    expect(longest).toBeLessThan(200);
    expect(figures.heapGrowth).toBeLessThan(100 * MB);
    expect(figures.rssGrowth).toBeLessThan(500 * MB);
    await page.context().close();
  }, 120_000);
});
