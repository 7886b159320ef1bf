// A child process for tests/security/search-redos.test.ts: runs one search_files call and
// measures how long its own event loop went without turning. It runs apart from vitest so that a
// search that blocks for hours can be killed from outside (the parent watches the heartbeat).
//   tsx tests/support/search-lag-probe.ts tools        AgentTools over a files store (the browser's agent)
//   tsx tests/support/search-lag-probe.ts run <port>   the runs API's agent, a scripted model on <port>, a sandbox stand-in
// Prints "tick" every 10 ms, "start" before the search and "done <json>" after it. A harmless
// search goes first, so that what loads once (the model's client, the regex engine) is not counted.
import { spawn } from 'node:child_process';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { AgentTools } from '~/lib/agent/agent-tools';
import { runAgentInSandbox } from '~/lib/agent/sandbox-agent.server';
import { parseServerEnv } from '~/lib/env.server';
import type { RepoWorkspace } from '~/lib/git/repo-workspace.server';
import { FilesStore } from '~/lib/stores/files';
import { FakeOpenAI } from '../fakes/fake-openai';

export const PATHOLOGICAL = '^(a+)+$';
/** A line of a's that does not match: a backtracking engine tries every way to split it. */
export const LONG_LINE = `${'a'.repeat(50_000)}!`;
const FILES = { 'data/letters.txt': `${LONG_LINE}\n`, 'src/app.js': 'const answer = 42;\n' };

let last = performance.now();
let maxGapMs = 0;
const heartbeat = setInterval(() => {
  const now = performance.now();
  maxGapMs = Math.max(maxGapMs, now - last);
  last = now;
  process.stdout.write('tick\n');
}, 10);

/** What happened before the search (module loading, a model server starting) does not count. */
function started() {
  last = performance.now();
  maxGapMs = 0;
  process.stdout.write('start\n');
}

async function viaTools(): Promise<unknown> {
  const files = new FilesStore();
  files.replaceAll(FILES);
  const tools = new AgentTools({ files, awaitRuntime: async () => ({ exec: async () => ({ exitCode: 0 }) }), afterCommand: async () => {}, problems: () => [], terminal: { output() {}, command() {}, error() {}, notice() {} } });
  await tools.execute('search_files', { query: 'answer', regex: true }, new AbortController().signal);
  started();
  return await tools.execute('search_files', { query: PATHOLOGICAL, regex: true }, new AbortController().signal);
}

/** The runs API's agent: the model asks for the search; "the sandbox" runs commands with sh in a folder holding the files. */
async function viaRun(port: number): Promise<unknown> {
  const model = new FakeOpenAI();
  const url = await model.start(port);
  model.script(
    { match: 'warm up', times: 1, toolCalls: [{ name: 'search_files', arguments: { query: 'answer', regex: true } }] },
    { match: 'find the letters', times: 1, toolCalls: [{ name: 'search_files', arguments: { query: PATHOLOGICAL, regex: true } }] },
    { toolResult: '', reply: 'Searched.' },
  );
  const folder = mkdtempSync(join(tmpdir(), 'appforge-search-probe-'));
  for (const [path, content] of Object.entries(FILES)) {
    mkdirSync(dirname(join(folder, path)), { recursive: true });
    writeFileSync(join(folder, path), content);
  }
  const commands: string[] = [];
  const service = {
    exec: (_owner: string, _id: string, command: string, options: { onOutput?: (chunk: string) => void; signal?: AbortSignal }) => {
      commands.push(command);
      return new Promise<{ exitCode: number }>((resolve) => {
        const child = spawn('sh', ['-c', command], { cwd: folder, stdio: ['ignore', 'pipe', 'pipe'] });
        child.stdout.on('data', (chunk: Buffer) => options.onOutput?.(chunk.toString('utf8')));
        child.stderr.on('data', (chunk: Buffer) => options.onOutput?.(chunk.toString('utf8')));
        options.signal?.addEventListener('abort', () => child.kill('SIGKILL'), { once: true });
        child.on('close', (code) => resolve({ exitCode: code ?? 137 }));
      });
    },
    readTree: async () => [],
    writeFiles: async () => {},
  };
  const workspace = { service, owner: 'runs', id: 'probe' } as unknown as RepoWorkspace;
  const env = parseServerEnv({ OPENROUTER_BASE_URL: url, OPENROUTER_API_KEY: 'probe', SANDBOX_DATA_DIR: folder });
  const events: Array<{ type: string; name?: string; ok?: boolean; output?: unknown }> = [];
  const run = (task: string) => runAgentInSandbox({ env, model: 'fake/coder', task, workspace, files: FILES, signal: new AbortController().signal, emit: (event) => events.push(event) });
  try {
    // A first run loads what the model's client and the tools load once; the run that counts comes after.
    await run('warm up');
    commands.length = 0;
    events.length = 0;
    started();
    await run('find the letters');
  } finally {
    await model.stop();
    rmSync(folder, { recursive: true, force: true });
  }
  return { commands, toolResult: events.find((e) => e.type === 'tool_result') };
}

const mode = process.argv[2];
const result = mode === 'run' ? await viaRun(Number(process.argv[3])) : await viaTools();
clearInterval(heartbeat);
maxGapMs = Math.max(maxGapMs, performance.now() - last);
process.stdout.write(`done ${JSON.stringify({ maxGapMs: Math.round(maxGapMs), result })}\n`);
process.exit(0);
