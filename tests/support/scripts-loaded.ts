// The JavaScript a page loads from the app, and which of the modules a chat loads only on first use
// it holds: shared by bench/bundle.ts and tests/e2e/bundle.test.ts.
import { gzipSync } from 'node:zlib';
import type { Page } from 'playwright-core';

/**
 * Modules that a chat's first load must not need, each known by a string only its own code holds
 * (file names change with every build, and a module imported statically again would sit in
 * another chunk under another name: the content finds it wherever it is).
 */
export const DEFERRED = {
  /** xterm.js: when the first command runs (or its output arrives), or the terminal is clicked or focused. */
  terminal: 'xterm-helper-textarea',
  /** react-markdown (with micromark, unified…): when the first answer with prose shows. */
  markdown: 'remarkjs/react-markdown',
  /** @codemirror/merge: when a diff is shown (the Versions view) or a version's line counts are made. */
  diff: 'cm-deletedChunk',
  /** The in-browser runtime's code (webcontainer-runtime.ts): when the page can boot it and StackBlitz's servers answer. */
  'browser-runtime': 'did not boot within',
  /** @webcontainer/api: when the in-browser runtime boots. */
  webcontainer: 'Only a single WebContainer instance can be booted',
  /** The preview script (reporter and element picker) WebContainer puts in pages: once it has booted. */
  'preview-script': 'data-appforge-picker',
  /** fflate (zip): when a project is downloaded or imported as a zip. */
  zip: 'invalid zip data',
  /** @codemirror/lang-html (HTML documents start with @lezer/html alone): when one has a script, a style or such attributes, or the editor is focused. */
  html: 'speculationrules',
  /** @codemirror/lang-javascript: a JavaScript or TypeScript file, or the full HTML pack. */
  javascript: 'JSXIdentifier JSXNameSpacedName',
  /** @codemirror/lang-css: a CSS file, or the full HTML pack. */
  css: 'UniversalSelector NestingSelector',
  /** @codemirror/commands (keymaps, undo history): when the editor is first focused. */
  commands: 'Selection deleted',
  /** One Dark: only where the page is dark. */
  'dark-theme': '#282c34',
  /** Agent mode's tools (and the project search): with the first tool call. */
  agent: 'narrow it with path or a more specific query',
  /** The agent's tool call cards: with the first one shown. */
  'tool-card': 'tool-outcome',
  /** The Publisher: when Publish is first opened. */
  publish: 'nothing was published',
  /** The problem alert and the fix request: when the app first fails. */
  fix: 'The project has not run without problems yet',
} as const;

export type Deferred = keyof typeof DEFERRED;

/** Records every script the page loads from `origin` (path → body), in the order they arrive. */
export function watchScripts(page: Page, origin: string) {
  const bodies = new Map<string, Promise<Buffer>>();
  page.on('response', (response) => {
    const url = new URL(response.url());
    if (url.origin === origin && /\.m?js$/.test(url.pathname)) bodies.set(url.pathname, response.body().catch(() => Buffer.alloc(0)));
  });
  return {
    /** What has loaded so far, bodies read. */
    async snapshot(): Promise<Map<string, Buffer>> {
      return new Map(await Promise.all([...bodies].map(async ([path, body]) => [path, await body] as const)));
    },
    /** How many scripts have loaded (to wait until no more arrive). */
    get count() {
      return bodies.size;
    },
  };
}

/** Waits until no script has arrived for `quietMs` (networkidle waits on streams that stay open, such as a sandbox's output). */
export async function scriptsSettled(page: Page, scripts: { count: number }, quietMs = 1500, timeoutMs = 30_000) {
  const end = Date.now() + timeoutMs;
  let seen = -1;
  while (seen !== scripts.count && Date.now() < end) {
    seen = scripts.count;
    await page.waitForTimeout(quietMs);
  }
}

/** The deferred modules the scripts hold. */
export function deferredIn(files: Map<string, Buffer>): Deferred[] {
  const bodies = [...files.values()].map((body) => body.toString('latin1'));
  return (Object.keys(DEFERRED) as Deferred[]).filter((name) => bodies.some((body) => body.includes(DEFERRED[name])));
}

/** Which deferred modules one file holds. */
export function deferredInFile(body: Buffer): Deferred[] {
  const text = body.toString('latin1');
  return (Object.keys(DEFERRED) as Deferred[]).filter((name) => text.includes(DEFERRED[name]));
}

/** Files, raw bytes and gzip -9 bytes (each file compressed on its own, as a server sends it). */
export function sizes(files: Map<string, Buffer>) {
  let raw = 0;
  let gzip = 0;
  for (const body of files.values()) {
    raw += body.length;
    gzip += gzipSync(body, { level: 9 }).length;
  }
  return { count: files.size, raw, gzip };
}
