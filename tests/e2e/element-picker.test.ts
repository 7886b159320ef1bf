// The element picker in a real Chromium: a parent page (the app, at 127.0.0.1:P) frames a child
// page (the preview, at localhost:Q) that carries the proxy's reporter script. The parent turns the
// picker on with a message; hovering outlines, clicking picks (the app never sees the click), and
// the picks come back to the parent only. Two sibling frames (one at the parent's origin, one at a
// third origin) and the child itself try to turn it on and cannot.
import { createServer, type Server } from 'node:http';
import type { Browser, Frame, Page } from 'playwright-core';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { reporterScript } from '~/lib/problems/preview-reporter';
import { PICKER_TOGGLE, PICKS_PER_LOAD, pickFromPreview, pickerClosedByPreview, PREVIEW_PICK, PREVIEW_PICKER_STATE, type PreviewPick } from '~/lib/preview/element-picker';
import { freePort } from '../support/app-server';
import { launchBrowser } from './harness';

let browser: Browser;
let servers: Server[] = [];
let parentPort: number;
let childPort: number;
const appHost = () => `127.0.0.1:${parentPort}`;
const parentOrigin = () => `http://${appHost()}`;
const childOrigin = () => `http://localhost:${childPort}`;

const CHILD_BODY = `
<div id="app">
  <header class="css-1x2y3z4 Header_root__a1b2c site-header" style="padding:12px"><h1 class="title">Picker test</h1></header>
  <main class="sc-bdfBwQ kYjpQW content">
    <button class="counter" id=":r1:" style="font-size:16px;padding:6px 12px">count is 0</button>
    <ul class="items"><li class="item">one</li><li class="item">two</li><li class="item">three</li></ul>
    <p class="jsx-1234567 note">a note</p>
    <section class="svelte-xyz12ab card"><span class="label">svelte thing</span></section>
    <div class="vue-host"><em>vue thing</em></div>
    <a class="link" href="#somewhere" data-insp-path="/home/u/app/src/Nav.tsx:8:5:a">nav</a>
    <span class="r19">react 19</span>
    <div data-inspector-relative-path="src/Card.tsx" data-inspector-line="4" data-inspector-column="3"><b>inspected</b></div>
    <input name="email" type="email">
    <div class="Button_root__x9k2m">only hashed</div>
  </main>
  <section id="second"><ul class="items"><li class="item">a</li><li class="item">b</li></ul></section>
</div>
<script>
  window.appClicks = 0;
  window.appDowns = 0;
  var button = document.querySelector('button.counter');
  button.addEventListener('click', function () { window.appClicks++; button.textContent = 'count is ' + window.appClicks; });
  button.addEventListener('mousedown', function () { window.appDowns++; });
  button.addEventListener('pointerdown', function () { window.appDowns++; });
  // As React 17+ listens: on the root.
  document.getElementById('app').addEventListener('click', function () { window.appClicks += 100; });
  // What the frameworks' dev builds leave on the DOM.
  button['__reactFiber$abc'] = { _debugSource: { fileName: '/home/u/app/src/App.tsx', lineNumber: 12, columnNumber: 7 } };
  document.querySelector('p.note')['__reactFiber$abc'] = { _debugSource: null, return: { return: { _debugSource: { fileName: '/home/u/app/src/List.tsx', lineNumber: 30, columnNumber: 1 } } } };
  document.querySelector('span.r19')['__reactFiber$xyz'] = { _debugStack: { stack: 'Error: react-stack-top-frame\\n    at exports.jsxDEV (http://localhost:5173/node_modules/.vite/deps/react_jsx-dev-runtime.js?v=abc:250:30)\\n    at Footer (http://localhost:5173/src/Footer.tsx?t=1712345:9:11)\\n    at Object.react-stack-bottom-frame (http://localhost:5173/node_modules/.vite/deps/react-dom_client.js?v=abc:1:1)' } };
  document.querySelector('section.card').__svelte_meta = { loc: { file: '/home/u/app/src/Card.svelte', line: 3, column: 5 } };
  document.querySelector('div.vue-host em').__vueParentComponent = { type: {}, parent: { type: { __file: '/home/u/app/src/components/Hello.vue' }, parent: null } };
</script>`;

function childPage(host: string) {
  return `<!doctype html><html><head><meta charset="utf-8">${reporterScript({ appHost: host, status: 200 })}<title>child</title><style>body{margin:0;font:16px sans-serif} li{height:24px} main > *{margin:6px 0}</style></head><body>${CHILD_BODY}</body></html>`;
}

/** Turns the preview frame's picker on or off from wherever it is evaluated (a sibling frame, the child itself). */
const THIRD_PAGE = `<!doctype html><meta charset="utf-8"><script>window.toggle = function (on) { parent.frames[0].postMessage({ type: '${PICKER_TOGGLE}', on: on }, '*'); };</script>`;

function parentPage(childHost: string) {
  return `<!doctype html><html><head><meta charset="utf-8"><title>parent</title></head><body style="margin:0">
<iframe id="preview" title="Preview" src="http://localhost:${childPort}/child.html?appHost=${encodeURIComponent(childHost)}" style="display:block;width:800px;height:700px;border:0"></iframe>
<iframe id="sibling" src="/third.html" style="width:20px;height:20px;border:0"></iframe>
<iframe id="stranger" src="http://127.0.0.1:${childPort}/third.html" style="width:20px;height:20px;border:0"></iframe>
<script>
  window.received = [];
  var frame = document.getElementById('preview');
  window.addEventListener('message', function (event) { received.push({ origin: event.origin, fromPreview: event.source === frame.contentWindow, data: event.data }); });
  window.picker = function (on) { frame.contentWindow.postMessage({ type: '${PICKER_TOGGLE}', on: on }, 'http://localhost:${childPort}'); };
</script></body></html>`;
}

function serve(port: number, pages: (url: URL) => string | null): Promise<Server> {
  const server = createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://x');
    const body = pages(url);
    response.writeHead(body === null ? 404 : 200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
    response.end(body ?? 'not found');
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve(server));
  });
}

beforeAll(async () => {
  parentPort = await freePort();
  childPort = await freePort();
  servers = [
    await serve(parentPort, (url) => (url.pathname === '/' ? parentPage(url.searchParams.get('childHost') ?? appHost()) : url.pathname === '/third.html' ? THIRD_PAGE : null)),
    await serve(childPort, (url) => (url.pathname === '/child.html' ? childPage(url.searchParams.get('appHost') ?? '') : url.pathname === '/third.html' ? THIRD_PAGE : null)),
  ];
  browser = await launchBrowser();
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
});

interface Received {
  origin: string;
  fromPreview: boolean;
  data: { type?: string; pick?: PreviewPick; on?: boolean };
}

let page: Page;
let child: Frame;

async function open(childHost = appHost()) {
  page = await (await browser.newContext({ viewport: { width: 1000, height: 800 } })).newPage();
  await page.goto(`${parentOrigin()}/?childHost=${encodeURIComponent(childHost)}`);
  await page.waitForLoadState('load');
  child = page.frames().find((frame) => frame.url().startsWith(`${childOrigin()}/child.html`))!;
  expect(child).toBeTruthy();
  await child.waitForFunction(() => document.readyState === 'complete');
}

const received = () => page.evaluate(() => (window as unknown as { received: Received[] }).received);
const picks = async () => (await received()).filter((m) => m.data?.type === PREVIEW_PICK);
const setPicker = (on: boolean) => page.evaluate((value) => (window as unknown as { picker: (on: boolean) => void }).picker(value), on);
const appCounts = () => child.evaluate(() => ({ clicks: (window as unknown as { appClicks: number }).appClicks, downs: (window as unknown as { appDowns: number }).appDowns }));
const overlayCount = () => child.evaluate(() => document.querySelectorAll('[data-appforge-picker]').length);

async function center(selector: string) {
  const box = (await child.locator(selector).boundingBox())!;
  return { x: box.x + box.width / 2, y: box.y + box.height / 2 };
}

/** Turns the picker on and waits until the page has it (the overlay is in the page while on). */
async function turnOn() {
  await setPicker(true);
  await expect.poll(overlayCount, { timeout: 5_000 }).toBe(2);
}

/** Clicks in the preview at the element's center (or at an offset from its corner), and returns the pick that comes back. */
async function pickAt(selector: string, offset?: { x: number; y: number }): Promise<PreviewPick> {
  const before = (await picks()).length;
  let point = await center(selector);
  if (offset) {
    const box = (await child.locator(selector).boundingBox())!;
    point = { x: box.x + offset.x, y: box.y + offset.y };
  }
  await page.mouse.move(point.x, point.y);
  await page.mouse.click(point.x, point.y);
  await expect.poll(async () => (await picks()).length, { timeout: 5_000 }).toBe(before + 1);
  const message = (await picks()).at(-1)!;
  expect(message.origin).toBe(childOrigin());
  expect(message.fromPreview).toBe(true);
  // What the workbench would accept: the same, through its checks.
  const FRAME = {};
  expect(pickFromPreview({ origin: message.origin, source: FRAME, data: message.data }, { origin: childOrigin(), window: FRAME })).toEqual(message.data.pick);
  return message.data.pick!;
}

/** True when the selector finds exactly this one element in the child page. */
function resolvesTo(selector: string, expected: string) {
  return child.evaluate(([sel, target]) => {
    const found = document.querySelectorAll(sel);
    return found.length === 1 && found[0] === document.querySelector(target);
  }, [selector, expected] as const);
}

describe('the element picker in the preview', () => {
  beforeEach(async () => {
    await open();
  });

  it('outlines the element under the pointer, picks it on click without the app seeing the click, and stays on', async () => {
    expect(await overlayCount()).toBe(0);
    await turnOn();
    const { x, y } = await center('button.counter');
    await page.mouse.move(x, y);
    await expect.poll(() => child.evaluate(() => (document.querySelector('[data-appforge-picker]') as HTMLElement).style.display), { timeout: 5_000 }).toBe('block');
    const overlay = await child.evaluate(() => {
      const element = document.querySelector('[data-appforge-picker]') as HTMLElement;
      const style = getComputedStyle(element);
      const rect = element.getBoundingClientRect();
      const button = document.querySelector('button.counter')!.getBoundingClientRect();
      return {
        position: style.position,
        pointerEvents: style.pointerEvents,
        zIndex: Number(style.zIndex),
        matches: Math.abs(rect.left - button.left) < 1 && Math.abs(rect.top - button.top) < 1 && Math.abs(rect.width - button.width) < 1 && Math.abs(rect.height - button.height) < 1,
        label: element.firstElementChild!.textContent,
        cursor: getComputedStyle(document.querySelector('button.counter')!).cursor,
        underPointer: document.elementFromPoint(button.left + button.width / 2, button.top + button.height / 2)?.className,
      };
    });
    expect(overlay).toEqual({ position: 'fixed', pointerEvents: 'none', zIndex: 2147483647, matches: true, label: 'button.counter', cursor: 'crosshair', underPointer: 'counter' });

    const pick = await pickAt('button.counter');
    const box = await child.evaluate(() => {
      const r = document.querySelector('button.counter')!.getBoundingClientRect();
      return { x: Math.round(r.left), y: Math.round(r.top), width: Math.round(r.width), height: Math.round(r.height) };
    });
    expect(pick).toEqual({
      tag: 'button',
      selector: 'button.counter',
      text: 'count is 0',
      box,
      html: '<button class="counter" id=":r1:" style="font-size:16px;padding:6px 12px">count is 0</button>',
      page: '/child.html?appHost=' + encodeURIComponent(appHost()),
      source: { file: '/home/u/app/src/App.tsx', line: 12, column: 7, via: 'react' },
    });
    // The app's own handlers (on the button, and React-style on the root) never ran.
    expect(await appCounts()).toEqual({ clicks: 0, downs: 0 });
    // A link is not followed either.
    await pickAt('a.link');
    expect(await child.evaluate(() => location.hash)).toBe('');
    // Still on: another pick.
    expect((await pickAt('li.item >> nth=1')).text).toBe('two');
    expect(await overlayCount()).toBe(2);
    // Nothing but picks reached the parent (no problem reports, no state changes).
    expect((await received()).map((m) => m.data.type)).toEqual([PREVIEW_PICK, PREVIEW_PICK, PREVIEW_PICK]);
  });

  it('makes unique selectors from stable names, and finds where each element comes from', async () => {
    await turnOn();
    const cases: Array<{ at: string; offset?: { x: number; y: number }; selector: string; source?: PreviewPick['source']; text?: string }> = [
      { at: 'header', offset: { x: 3, y: 3 }, selector: 'header.site-header' },
      { at: 'h1.title', selector: 'h1.title', text: 'Picker test' },
      { at: 'main li.item >> nth=1', selector: 'main.content > ul.items > li.item:nth-of-type(2)', text: 'two' },
      { at: '#second li.item >> nth=0', selector: '#second > ul.items > li.item:nth-of-type(1)', text: 'a' },
      { at: 'p.note', selector: 'p.note', source: { file: '/home/u/app/src/List.tsx', line: 30, column: 1, via: 'react' } },
      { at: 'span.r19', selector: 'span.r19', source: { file: '/src/Footer.tsx', line: 9, column: 11, via: 'react' } },
      { at: 'span.label', selector: 'span.label', source: { file: '/home/u/app/src/Card.svelte', line: 3, column: 5, via: 'svelte' } },
      { at: 'div.vue-host em', selector: 'em', source: { file: '/home/u/app/src/components/Hello.vue', via: 'vue' } },
      { at: 'a.link', selector: 'a.link', source: { file: '/home/u/app/src/Nav.tsx', line: 8, column: 5, via: 'attribute' } },
      { at: 'b', selector: 'b', source: { file: 'src/Card.tsx', line: 4, column: 3, via: 'attribute' } },
      { at: 'input', selector: 'input[name="email"]' },
      // Only a hashed class: the third div among its siblings (which alone is unique here).
      { at: 'div.Button_root__x9k2m', selector: 'div:nth-of-type(3)' },
    ];
    for (const expected of cases) {
      const pick = await pickAt(expected.at, expected.offset);
      expect({ at: expected.at, selector: pick.selector, source: pick.source }).toEqual({ at: expected.at, selector: expected.selector, source: expected.source });
      if (expected.text) expect(pick.text).toBe(expected.text);
      expect(await resolvesTo(pick.selector, expected.at.replace(/ >> nth=(\d)/, (_, n) => `:nth-of-type(${Number(n) + 1})`))).toBe(true);
    }
    expect(await appCounts()).toEqual({ clicks: 0, downs: 0 });
  });

  it('gives the same selectors after the text changes and after a reload', async () => {
    await turnOn();
    const targets = ['button.counter', 'main li.item >> nth=2', '#second li.item >> nth=1', 'p.note', 'div.Button_root__x9k2m'];
    const first: string[] = [];
    for (const target of targets) first.push((await pickAt(target)).selector);

    await child.evaluate(() => {
      for (const element of document.querySelectorAll('button, li, p')) element.textContent = `${element.textContent} (changed)`;
    });
    const changed: string[] = [];
    for (const target of targets) changed.push((await pickAt(target)).selector);
    expect(changed).toEqual(first);

    await child.evaluate(() => ((window as unknown as { before: boolean }).before = true));
    await child.evaluate(() => location.reload());
    await expect.poll(() => child.evaluate(() => document.readyState === 'complete' && !(window as unknown as { before?: boolean }).before).catch(() => false), { timeout: 10_000 }).toBe(true);
    expect(await overlayCount()).toBe(0); // a new page starts with the picker off
    await turnOn();
    const reloaded: string[] = [];
    for (const target of targets) reloaded.push((await pickAt(target)).selector);
    expect(reloaded).toEqual(first);
  });

  it('Escape in the page turns it off, tells the parent, and clicks reach the app again', async () => {
    await turnOn();
    await pickAt('button.counter');
    await page.keyboard.press('Escape');
    await expect.poll(async () => (await received()).filter((m) => m.data?.type === PREVIEW_PICKER_STATE).length, { timeout: 5_000 }).toBe(1);
    const closed = (await received()).find((m) => m.data?.type === PREVIEW_PICKER_STATE)!;
    expect(closed).toEqual({ origin: childOrigin(), fromPreview: true, data: { type: PREVIEW_PICKER_STATE, on: false } });
    const FRAME = {};
    expect(pickerClosedByPreview({ origin: closed.origin, source: FRAME, data: closed.data }, { origin: childOrigin(), window: FRAME })).toBe(true);
    expect(await overlayCount()).toBe(0);

    const { x, y } = await center('button.counter');
    await page.mouse.click(x, y);
    await expect.poll(appCounts).toEqual({ clicks: 101, downs: 2 });
    expect(await child.locator('button.counter').innerText()).toBe('count is 1');
    expect(await picks()).toHaveLength(1);
    expect(await child.evaluate(() => getComputedStyle(document.querySelector('button.counter')!).cursor)).not.toBe('crosshair');
  });

  it('is turned off by the parent too, removing the overlay and its listeners', async () => {
    await turnOn();
    await pickAt('h1.title');
    await setPicker(false);
    await expect.poll(overlayCount).toBe(0);
    const { x, y } = await center('button.counter');
    await page.mouse.click(x, y);
    await expect.poll(appCounts).toEqual({ clicks: 101, downs: 2 });
    expect(await picks()).toHaveLength(1);
    // Off by the parent: the page does not echo it back.
    expect((await received()).filter((m) => m.data?.type === PREVIEW_PICKER_STATE)).toEqual([]);
  });

  it('is not turned on by anyone but the parent: the page itself, a sibling at the parent origin, a frame elsewhere', async () => {
    const sibling = page.frames().find((frame) => frame.url() === `${parentOrigin()}/third.html`)!;
    const stranger = page.frames().find((frame) => frame.url() === `http://127.0.0.1:${childPort}/third.html`)!;
    expect(sibling && stranger).toBeTruthy();
    await child.evaluate((type) => window.postMessage({ type, on: true }, '*'), PICKER_TOGGLE);
    await sibling.evaluate(() => (window as unknown as { toggle: (on: boolean) => void }).toggle(true));
    await stranger.evaluate(() => (window as unknown as { toggle: (on: boolean) => void }).toggle(true));
    // Malformed toggles from the parent are ignored as well.
    await page.evaluate(([origin, type]) => {
      const frame = (document.getElementById('preview') as HTMLIFrameElement).contentWindow!;
      frame.postMessage({ type, on: 'yes' }, origin);
      frame.postMessage({ type: 'appforge-picker-on' }, origin);
    }, [childOrigin(), PICKER_TOGGLE] as const);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(await overlayCount()).toBe(0);
    const { x, y } = await center('button.counter');
    await page.mouse.click(x, y);
    await expect.poll(appCounts).toEqual({ clicks: 101, downs: 2 });
    expect(await picks()).toEqual([]);
    // The parent's own toggle still works afterwards.
    await turnOn();
    expect((await pickAt('p.note')).selector).toBe('p.note');
  });

  it(`stops after ${PICKS_PER_LOAD} picks in one page load, and says it is off`, async () => {
    await turnOn();
    await child.evaluate((count) => {
      const target = document.querySelector('h1.title')!;
      for (let i = 0; i < count; i++) target.dispatchEvent(new MouseEvent('click', { bubbles: true, cancelable: true }));
    }, PICKS_PER_LOAD + 5);
    await expect.poll(async () => (await received()).filter((m) => m.data?.type === PREVIEW_PICKER_STATE).length, { timeout: 5_000 }).toBe(1);
    expect(await picks()).toHaveLength(PICKS_PER_LOAD);
    expect(await overlayCount()).toBe(0);
  });
});

describe('a preview framed by another host than the app', () => {
  it('posts nothing and cannot be turned on', async () => {
    await open('elsewhere.example:1');
    await setPicker(true);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(await overlayCount()).toBe(0);
    const { x, y } = await center('button.counter');
    await page.mouse.move(x, y);
    await page.mouse.click(x, y);
    await expect.poll(appCounts).toEqual({ clicks: 101, downs: 2 });
    await child.evaluate(() => void setTimeout(() => {
      throw new Error('not reported either');
    }));
    await child.evaluate(() => console.error('nor this'));
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(await received()).toEqual([]);
  });
});
