import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { AgentTools, ToolError } from '~/lib/agent/agent-tools';
import { TOOL_DESCRIPTIONS } from '~/lib/agent/tool-specs';
import { FilesStore } from '~/lib/stores/files';

// Attack (issue 20, item 5): search_files ran `new RegExp(query)` over every line of the project
// on the main thread, in the browser and on the server (the runs API): `^(a+)+$` over a
// 30-character line blocked /api/health for 25 s; a longer line, hours.

const REPO = fileURLToPath(new URL('../..', import.meta.url));
const PROBE = fileURLToPath(new URL('../support/search-lag-probe.ts', import.meta.url));
/** The probe is killed when its search has not ended by then: the event loop was blocked at least that long. */
const KILL_AFTER_MS = 10_000;
/** Longest pause of the event loop allowed during a search (a loaded, shared 2-core machine). */
const LAG_LIMIT_MS = 500;
/** The probe's scripted model listens here (this file's share of the test ports). */
const MODEL_PORT = 24310;

interface ProbeResult {
  finished: boolean;
  /** The longest time the probe's event loop did not turn while the search ran (ms). */
  maxGapMs: number;
  result?: unknown;
}

/** Runs tests/support/search-lag-probe.ts in a process of its own, which is killed if the search blocks it. */
function probe(args: string[]): Promise<ProbeResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', PROBE, ...args], { cwd: REPO, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-4000)));
    let lastTick = 0;
    let killer: ReturnType<typeof setTimeout> | undefined;
    let settled = false;
    const finish = (result: ProbeResult) => {
      settled = true;
      clearTimeout(killer);
      resolve(result);
    };
    createInterface({ input: child.stdout }).on('line', (line) => {
      if (line === 'tick') lastTick = Date.now();
      else if (line === 'start') {
        lastTick = Date.now();
        killer = setTimeout(() => {
          finish({ finished: false, maxGapMs: Date.now() - lastTick });
          process.kill(-child.pid!, 'SIGKILL');
        }, KILL_AFTER_MS);
      } else if (line.startsWith('done ')) finish({ finished: true, ...(JSON.parse(line.slice(5)) as { maxGapMs: number; result: unknown }) });
    });
    child.on('exit', (code) => {
      if (!settled) reject(new Error(`the probe exited (${code}) before its search ended:\n${stderr}`));
    });
  });
}

function tools(files: Record<string, string>) {
  const store = new FilesStore();
  store.replaceAll(files);
  const agentTools = new AgentTools({ files: store, awaitRuntime: async () => ({ exec: async () => ({ exitCode: 0 }) }), afterCommand: async () => {}, problems: () => [], terminal: { output() {}, command() {}, error() {}, notice() {} } });
  return (input: Record<string, unknown>) => agentTools.execute('search_files', input, new AbortController().signal) as Promise<{ matches: string[]; total: number; partial?: string }>;
}

describe('searching project files cannot block a process (ReDoS)', () => {
  it("keeps the event loop turning while `^(a+)+$` is searched over a 50,000-character line of a's (the browser's agent and AgentTools)", async () => {
    const { finished, maxGapMs, result } = await probe(['tools']);
    console.log(`AgentTools search: ${finished ? 'ended' : `killed after ${KILL_AFTER_MS / 1000} s`}, event loop blocked at most ${(maxGapMs / 1000).toFixed(2)} s`);
    expect(maxGapMs, 'the longest time the event loop did not turn (ms)').toBeLessThan(LAG_LIMIT_MS);
    expect(finished).toBe(true);
    // Only the first part of the long line is searched, and the answer says so.
    expect(result).toMatchObject({ partial: expect.stringMatching(/longer than 2,000 characters/) });
  }, 60_000);

  it("runs the runs API's search in the sandbox under a timeout: the server's event loop keeps turning", async () => {
    const { finished, maxGapMs, result } = await probe(['run', String(MODEL_PORT)]);
    console.log(`runs API search: ${finished ? 'ended' : `killed after ${KILL_AFTER_MS / 1000} s`}, server event loop blocked at most ${(maxGapMs / 1000).toFixed(2)} s`);
    expect(maxGapMs, 'the longest time the event loop did not turn (ms)').toBeLessThan(LAG_LIMIT_MS);
    expect(finished).toBe(true);
    const { commands, toolResult } = result as { commands: string[]; toolResult: { ok: boolean; output: unknown } };
    // The one command is the search, in the sandbox, under `timeout`, with the query quoted.
    expect(commands).toHaveLength(1);
    expect(commands[0]).toMatch(/^\{ timeout (-k \d+ )?\d+ grep /);
    expect(commands[0]).toContain(`'^(a+)+$'`);
    expect(toolResult.ok).toBe(true);
  }, 60_000);

  it('refuses syntax that needs backtracking (backreferences, lookaround) with a sentence saying so', async () => {
    const search = tools({ 'src/a.js': 'abab\n' });
    await expect(search({ query: '(ab)\\1', regex: true })).rejects.toThrow(ToolError);
    await expect(search({ query: '(ab)\\1', regex: true })).rejects.toThrow(/backreference.*RE2/);
    await expect(search({ query: 'a(?=b)', regex: true })).rejects.toThrow(/lookahead or lookbehind.*RE2/);
    await expect(search({ query: '(?<=a)b', regex: true })).rejects.toThrow(/lookahead or lookbehind.*RE2/);
    await expect(search({ query: 'a[b', regex: true })).rejects.toThrow(/not valid RE2 syntax: missing closing \]/);
    // What RE2 has works: classes, alternation, non-greedy, inline flags.
    expect(await search({ query: '(?i)^A(?:B|x)+?\\w+$', regex: true })).toEqual({ matches: ['src/a.js:1: abab'], total: 1 });
  });

  it('matches lines longer than the cap only up to the cap, and says so', async () => {
    const search = tools({ 'min.js': `${'x'.repeat(3000)}needle\nneedle at the start\n` });
    const result = await search({ query: 'needle' });
    expect(result.matches).toEqual(['min.js:2: needle at the start']);
    expect(result.partial).toBe('1 line longer than 2,000 characters was searched only in its first 2,000.');
  });

  it('stops after a bounded amount of work and says the result is partial', async () => {
    // 60 files of 200 lines of 1,000 characters: 12 million characters, past the 10 million a search may read.
    const line = `${'b'.repeat(990)} hit here`;
    const files = Object.fromEntries(Array.from({ length: 60 }, (_, i) => [`src/f${String(i).padStart(2, '0')}.txt`, Array.from({ length: 200 }, () => line).join('\n')]));
    const started = Date.now();
    const result = await tools(files)({ query: 'hit here' });
    expect(result.partial).toMatch(/^The search stopped after reading 10,000,000 characters \(\d+ of 60 files\); narrow it with path or a more specific query\.$/);
    expect(result.total).toBeLessThan(60 * 200);
    expect(result.matches).toHaveLength(50);
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('tells the model the syntax is RE2 (no backreferences or lookaround)', () => {
    expect(TOOL_DESCRIPTIONS.search_files).toMatch(/RE2 syntax/);
    expect(TOOL_DESCRIPTIONS.search_files).toMatch(/no backreferences or lookaround/);
  });
});
