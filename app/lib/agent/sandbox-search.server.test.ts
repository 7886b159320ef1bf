import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { SearchFailedError } from './project-search';
import { SANDBOX_SEARCH, sandboxSearch, type SearchExec } from './sandbox-search.server';

const signal = () => new AbortController().signal;

/** A sandbox stand-in that answers every command with `output(marker)` and an exit code. */
function fakeExec(output: (marker: string) => string, exitCode = 0) {
  const calls: Array<{ command: string; timeoutMs?: number; signal?: AbortSignal }> = [];
  const exec: SearchExec = async (command, options) => {
    calls.push({ command, timeoutMs: options.timeoutMs, signal: options.signal });
    const marker = /echo "(@@appforge-search-[0-9a-f-]+) \$\?"/.exec(command)?.[1] ?? 'no marker';
    options.onOutput(output(marker));
    return { exitCode };
  };
  return { exec, calls };
}

const folder = mkdtempSync(join(tmpdir(), 'appforge-search-quote-'));
afterAll(() => rmSync(folder, { recursive: true, force: true }));

describe('the sandbox search', () => {
  it('is one grep under timeout, node_modules and .git left out, every value shell-quoted (run here with sh)', async () => {
    mkdirSync(join(folder, 'src/my dir'), { recursive: true });
    mkdirSync(join(folder, 'node_modules/dep'), { recursive: true });
    const query = `it's $(touch pwned) \`touch pwned2\` "-e"`;
    writeFileSync(join(folder, 'src/my dir/quote.js'), `const a = 1;\nconst b = '${query}';\n`);
    writeFileSync(join(folder, 'node_modules/dep/index.js'), query);
    const { exec, calls } = fakeExec(() => '');
    const real: SearchExec = async (command, options) => {
      await exec(command, { ...options, onOutput: () => {} });
      const run = spawnSync('sh', ['-c', command], { cwd: folder, encoding: 'utf8' });
      options.onOutput(run.stdout);
      return { exitCode: run.status ?? 1 };
    };
    const search = sandboxSearch(real);
    expect(await search({ query, regex: false, folder: '' }, signal())).toEqual({ matches: [`src/my dir/quote.js:2: const b = '${query}';`], total: 1 });
    expect(existsSync(join(folder, 'pwned')) || existsSync(join(folder, 'pwned2'))).toBe(false);
    expect(calls[0].command).toMatch(new RegExp(`^\\{ timeout -k 2 ${SANDBOX_SEARCH.timeoutS} grep -rnIHZ --exclude-dir=node_modules --exclude-dir=\\.git -F -e '`));
    // A folder, and a regular expression in RE2 syntax (grep -P reads it the same way).
    expect(await search({ query: '^const\\s+\\w\\s=\\s\\d;$', regex: true, folder: 'src/my dir/' }, signal())).toEqual({ matches: ['src/my dir/quote.js:1: const a = 1;'], total: 1 });
    expect(calls[1].command).toContain(` -P -e '^const\\s+\\w\\s=\\s\\d;$' -- 'src/my dir' 2>&1;`);
  });

  it('asks the sandbox for no more than its timeout and a grace, and passes the stop signal', async () => {
    const { exec, calls } = fakeExec((marker) => `${marker} 1\n`);
    const stop = new AbortController();
    await sandboxSearch(exec)({ query: 'x', regex: false, folder: '' }, stop.signal);
    expect(calls[0].timeoutMs).toBe((SANDBOX_SEARCH.timeoutS + 5) * 1000);
    expect(calls[0].signal).toBe(stop.signal);
  });

  it("reads grep's answer into path:line: text, sorted, trimmed and cut, without ./", async () => {
    const long = `   ${'y'.repeat(500)}`;
    const { exec } = fakeExec((marker) => `./src/b.js\u00002:  second\nsrc/a.js\u000010:${long}\nsrc/a.js\u00003:first\n${marker} 0\n`);
    expect(await sandboxSearch(exec)({ query: 'x', regex: false, folder: '' }, signal())).toEqual({
      matches: ['src/a.js:3: first', `src/a.js:10: ${'y'.repeat(200)}`, 'src/b.js:2: second'],
      total: 3,
    });
  });

  it('says the result is partial when grep ran out of time, when more lines matched than it reads, or when an expression backtracked too much', async () => {
    const timedOut = await sandboxSearch(fakeExec((marker) => `src/a.js\u00001:hit\n${marker} 124\n`).exec)({ query: 'hit', regex: false, folder: '' }, signal());
    expect(timedOut).toEqual({ matches: ['src/a.js:1: hit'], total: 1, partial: `The search stopped after ${SANDBOX_SEARCH.timeoutS} s; narrow it with path or a more specific query.` });

    // head stops the pipe after lines + 1: the status line never comes.
    const many = Array.from({ length: SANDBOX_SEARCH.lines + 1 }, (_, i) => `src/a.js\u0000${i + 1}:hit`).join('\n');
    const flood = await sandboxSearch(fakeExec(() => `${many}\n`).exec)({ query: 'hit', regex: false, folder: '' }, signal());
    expect(flood.total).toBe(SANDBOX_SEARCH.lines);
    expect(flood.matches).toHaveLength(50);
    expect(flood.partial).toBe('More than 1,000 lines match; only the first 1,000 were counted. Narrow the search with path or a more specific query.');

    const costly = await sandboxSearch(fakeExec((marker) => `grep: data/letters.txt: exceeded PCRE's backtracking limit\nsrc/a.js\u00001:aa\n${marker} 2\n`).exec)({ query: '^(a+)+$', regex: true, folder: '' }, signal());
    expect(costly).toEqual({ matches: ['src/a.js:1: aa'], total: 1, partial: 'Some lines were skipped because the expression backtracked too much on them (data/letters.txt); simplify it.' });
  });

  it('turns a search that could not run into a sentence', async () => {
    const missing = sandboxSearch(fakeExec((marker) => `grep: nothere: No such file or directory\n${marker} 2\n`).exec)({ query: 'x', regex: false, folder: 'nothere/' }, signal());
    await expect(missing).rejects.toThrow(SearchFailedError);
    await expect(missing).rejects.toThrow('The search failed in the sandbox: grep: nothere: No such file or directory');
    const noPerl = sandboxSearch(fakeExec((marker) => `grep: support for the -P option is not compiled into this --disable-perl-regexp binary\n${marker} 2\n`).exec)({ query: 'x+', regex: true, folder: '' }, signal());
    await expect(noPerl).rejects.toThrow(/support for the -P option/);
    const noGrep = sandboxSearch(fakeExec((marker) => `sh: 1: timeout: not found\n${marker} 127\n`).exec)({ query: 'x', regex: false, folder: '' }, signal());
    await expect(noGrep).rejects.toThrow('The search failed in the sandbox (exit code 127): sh: 1: timeout: not found');
  });

  it("does not believe a status line that a file's name or content forges", async () => {
    // A file named "\n@@appforge-search-… 0" puts that text at a line's start; it lacks this search's nonce.
    const { exec } = fakeExec(() => `src/a.js\u00001:hit\n@@appforge-search-00000000-0000-0000-0000-000000000000 0\n`, 137);
    expect((await sandboxSearch(exec)({ query: 'hit', regex: false, folder: '' }, signal())).partial).toBe('The search was cut short; narrow it with path or a more specific query.');
  });

  it('reads a bounded part of whatever the sandbox prints, and says so', async () => {
    const exec: SearchExec = async (_command, options) => {
      // 20 MB without a line break, then a line that would count: a sandbox whose grep is not grep.
      for (let i = 0; i < 20; i++) options.onOutput('z'.repeat(1_000_000));
      options.onOutput('\nsrc/late.js\u00001:hit\n');
      return { exitCode: 0 };
    };
    const result = await sandboxSearch(exec)({ query: 'x', regex: false, folder: '' }, signal());
    expect(result).toEqual({ matches: [], total: 0, partial: 'The search was cut short; narrow it with path or a more specific query.' });
  });
});
