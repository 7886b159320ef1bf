// The runs API through the real server (`npm start`, Express, Local sandboxes), as a program
// would call it: events arrive while the run goes (not all at the end), and a client that goes
// away mid-run stops it and its sandbox is deleted.
import { readdirSync } from 'node:fs';
import { networkInterfaces } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readRepoEvents, type RepoEvent } from '~/lib/git/repo-events';
import { FakeGitHub } from '../fakes/fake-github';
import { FakeOpenAI } from '../fakes/fake-openai';
import { startApp, TEST_KEY, type App } from './harness';

const RUNS_TOKEN = 'e2e-runs-token-0123456789abcdef';
const hostAddress = Object.values(networkInterfaces())
  .flat()
  .find((a) => a && a.family === 'IPv4' && !a.internal)!.address;
const github = new FakeGitHub();
const model = new FakeOpenAI();
let app: App;

beforeAll(async () => {
  await github.start(hostAddress);
  await model.start();
  github.createRepo('acme/notes', { 'README.md': '# Notes\n', 'notes.txt': 'one\n' });
  app = await startApp({ SANDBOX_PROVIDER: 'local', OPENROUTER_BASE_URL: model.url, OPENROUTER_API_KEY: TEST_KEY, DEFAULT_MODEL: 'fake/coder', LLM_MAX_RETRIES: '0', GITHUB_URL: github.url, GITHUB_API_URL: github.apiUrl, GITHUB_TOKEN: github.token, RUNS_API_TOKEN: RUNS_TOKEN, SANDBOX_NETWORK_ALLOW: `${hostAddress}/32` });
});

afterAll(async () => {
  await app?.stop();
  await model.stop();
  await github.stop();
});

const sandboxDirs = () => readdirSync(join(app.dataDir, 'sandboxes')).filter((name) => name.startsWith('local-'));

function startRun(prompt: string, signal?: AbortSignal) {
  return fetch(`${app.url}/api/runs`, { method: 'POST', headers: { Authorization: `Bearer ${RUNS_TOKEN}`, 'Content-Type': 'application/json' }, body: JSON.stringify({ repoUrl: `${github.url}/acme/notes`, prompt }), signal });
}

describe('POST /api/runs on the running server', () => {
  it('streams each event as it happens and ends with the pull request', async () => {
    model.script(
      { match: 'Write the pull request title', reply: 'Add a second note\n\nOne more line.' },
      { toolResult: '"line":', reply: 'Added the note.', delayMs: 0 },
      // The first step takes a while: the events before it must already be out.
      { match: 'Task:', times: 1, delayMs: 300, chunkSize: 4, toolCalls: [{ name: 'edit_file', arguments: { path: 'notes.txt', oldText: 'one\n', newText: 'one\ntwo\n' } }] },
    );
    const response = await startRun('Add a second note');
    expect(response.status).toBe(200);
    const arrivals: Array<{ type: RepoEvent['type']; at: number }> = [];
    let opened: Extract<RepoEvent, { type: 'pr_opened' }> | undefined;
    for await (const event of readRepoEvents(response.body!)) {
      arrivals.push({ type: event.type, at: Date.now() });
      if (event.type === 'pr_opened') opened = event;
    }
    expect(arrivals.map((a) => a.type)).toEqual(['run_started', 'cloning', 'cloned', 'tool_call', 'tool_result', 'file_edit', 'agent_message', 'committing', 'writing_pr', 'pushed', 'pr_opened', 'done']);
    // `cloned` reached the client before the model's slow first step was over.
    expect(arrivals.find((a) => a.type === 'tool_call')!.at - arrivals.find((a) => a.type === 'cloned')!.at).toBeGreaterThan(200);
    expect(github.fileAt('acme/notes', opened!.branch, 'notes.txt')).toBe('one\ntwo\n');
    expect(sandboxDirs()).toEqual([]);
    expect(app.logs.join('')).not.toContain(github.token);
  }, 120_000);

  it('stops the run and deletes its sandbox when the client goes away', async () => {
    model.reset();
    model.script({ match: 'Task:', times: 1, toolCalls: [{ name: 'run_command', arguments: { command: 'sleep 120', timeoutSeconds: 300 } }] });
    const controller = new AbortController();
    const response = await startRun('Wait a long time', controller.signal);
    const reader = readRepoEvents(response.body!);
    for await (const event of reader) {
      if (event.type === 'tool_call') break;
    }
    expect(sandboxDirs()).toHaveLength(1);
    const closedAt = Date.now();
    controller.abort();
    await expect.poll(() => sandboxDirs(), { timeout: 20_000, interval: 200 }).toEqual([]);
    // Gone well before the command's own end (120 s).
    expect(Date.now() - closedAt).toBeLessThan(20_000);
    await expect.poll(() => app.logs.join(''), { timeout: 5_000 }).toMatch(/run [0-9a-f]{16}: failed: /);
  }, 120_000);
});
