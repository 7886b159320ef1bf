import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sandboxSearch, SANDBOX_SEARCH } from '~/lib/agent/sandbox-search.server';
import { bwrapAvailable } from '~/lib/sandbox/local/bwrap.server';
import { LocalProvider } from '~/lib/sandbox/local/local-provider.server';

// The runs API's search (issue 20, item 5) for real: grep in a Local sandbox under bubblewrap,
// with the pathological expression over a long line of a's, and a query and file name full of
// shell syntax. The server's event loop must keep turning and the answer must be bounded.

const dataDir = mkdtempSync(join(tmpdir(), 'appforge-search-sandbox-'));
let provider: LocalProvider;
let id = '';

beforeAll(async () => {
  // Ports 24320+ are this file's share; the search needs no network of its own.
  provider = new LocalProvider({ dataDir, portBase: 24320, commandTimeoutMs: 60_000, maxOutputBytes: 200_000, memoryMb: 1024, isolateNetwork: false });
  id = (await provider.create({ app: 'appforge', owner: 'runs', project: 'search' })).id;
  await provider.writeFiles(id, [
    { path: 'data/letters.txt', content: `${'a'.repeat(50_000)}!\n` },
    { path: "src/it's $(touch pwned).js", content: `const quote = "it's $(touch pwned)";\n` },
    { path: 'node_modules/dep/index.js', content: 'const quote = "it\'s";\n' },
  ]);
}, 60_000);

afterAll(async () => {
  if (id) await provider.delete(id).catch(() => {});
  rmSync(dataDir, { recursive: true, force: true });
});

describe('the runs API search in a real Local sandbox', () => {
  it('runs under bubblewrap here', () => {
    expect(bwrapAvailable()).toBe(true);
    expect(provider.isolated).toBe(true);
  });

  it('answers `^(a+)+$` over a 50,000-character line within its timeout, partial, with the event loop turning', async () => {
    const search = sandboxSearch((command, options) => provider.exec(id, command, options));
    let last = performance.now();
    let maxGapMs = 0;
    const heartbeat = setInterval(() => {
      maxGapMs = Math.max(maxGapMs, performance.now() - last);
      last = performance.now();
    }, 10);
    const started = performance.now();
    const result = await search({ query: '^(a+)+$', regex: true, folder: '' }, new AbortController().signal).finally(() => clearInterval(heartbeat));
    const seconds = (performance.now() - started) / 1000;
    console.log(`sandbox search: ${seconds.toFixed(2)} s, server event loop blocked at most ${Math.round(maxGapMs)} ms, ${JSON.stringify(result)}`);
    expect(seconds).toBeLessThan(SANDBOX_SEARCH.timeoutS + 5);
    expect(maxGapMs).toBeLessThan(200);
    expect(result.total).toBe(0);
    expect(result.partial).toMatch(/backtracked too much on them \(data\/letters\.txt\)/);
  });

  it("finds a query full of shell syntax in a file whose name is too, and leaves node_modules out", async () => {
    const search = sandboxSearch((command, options) => provider.exec(id, command, options));
    expect(await search({ query: `"it's $(touch pwned)"`, regex: false, folder: '' }, new AbortController().signal)).toEqual({
      matches: [`src/it's $(touch pwned).js:1: const quote = "it's $(touch pwned)";`],
      total: 1,
    });
    expect(await search({ query: '\\bquote\\s*=\\s*"it\'s', regex: true, folder: 'src/' }, new AbortController().signal)).toMatchObject({ total: 1 });
    let listing = '';
    await provider.exec(id, 'ls', { onOutput: (chunk) => (listing += chunk) });
    expect(listing).not.toContain('pwned\n');
  });
});
