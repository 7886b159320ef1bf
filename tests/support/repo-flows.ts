// The setup the repository-flow tests share: a loopback GitHub on an address Local sandboxes may
// reach, the fake model, a Local provider as CI runs it (root, bubblewrap, an own network per
// sandbox), and the routes called in-process with a context like server.ts's.
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { networkInterfaces, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, expect } from 'vitest';
import { parseServerEnv } from '~/lib/env.server';
import { readRepoEvents, type RepoEvent } from '~/lib/git/repo-events';
import { RateLimits } from '~/lib/http/rate-limits.server';
import { Sessions } from '~/lib/http/session.server';
import { LocalProvider } from '~/lib/sandbox/local/local-provider.server';
import { serviceAround } from '~/lib/sandbox/sandbox-service.server';
import { FakeGitHub } from '../fakes/fake-github';
import { FakeOpenAI } from '../fakes/fake-openai';

export const RUNS_TOKEN = 'runs-token-0123456789abcdef0123';

type Route = (args: { request: Request; context: unknown }) => Promise<Response>;

export function repoFlowHarness(portBase: number) {
  const hostAddress = Object.values(networkInterfaces())
    .flat()
    .find((a) => a && a.family === 'IPv4' && !a.internal)!.address;
  const dataDir = mkdtempSync(join(tmpdir(), 'appforge-repo-flows-'));
  chmodSync(dataDir, 0o711);
  const github = new FakeGitHub();
  const model = new FakeOpenAI();
  let provider: LocalProvider;
  let routes: { runs: Route; importRepo: Route; pullRequest: Route; token: Route; tokenStatus: Route };

  beforeAll(async () => {
    await github.start(hostAddress);
    await model.start();
    provider = new LocalProvider({ dataDir, portBase, commandTimeoutMs: 120_000, maxOutputBytes: 5_000_000, memoryMb: 2048, tmpMb: 64, helperTimeoutMs: 10_000, maxPids: 256, isolateNetwork: true, networkAllow: [`${hostAddress}/32`] });
    expect(provider.isolated && provider.networkIsolated).toBe(true);
    routes = {
      runs: (await import('~/routes/api.runs')).action as never,
      importRepo: (await import('~/routes/api.github.import')).action as never,
      pullRequest: (await import('~/routes/api.github.pull-request')).action as never,
      token: (await import('~/routes/api.github.token')).action as never,
      tokenStatus: (await import('~/routes/api.github.token')).loader as never,
    };
  }, 60_000);

  afterAll(async () => {
    for (const sandbox of (await provider?.list({})) ?? []) await provider.delete(sandbox.id).catch(() => {});
    await provider?.stopAll?.();
    await github.stop();
    await model.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  beforeEach(() => model.reset());

  function contextWith(overrides: Record<string, string> = {}) {
    const env = parseServerEnv({
      NODE_ENV: 'test',
      OPENROUTER_BASE_URL: model.url,
      OPENROUTER_API_KEY: 'sk-test-key',
      DEFAULT_MODEL: 'fake/coder',
      LLM_MAX_RETRIES: '0',
      GITHUB_URL: github.url,
      GITHUB_API_URL: github.apiUrl,
      GITHUB_TOKEN: github.token,
      RUNS_API_TOKEN: RUNS_TOKEN,
      SANDBOX_DATA_DIR: dataDir,
      ...overrides,
    });
    const { service } = serviceAround(provider, env, 'repo-flows-test-secret-0123456789abcdef');
    return { env, sandboxes: service, clientIp: '127.0.0.1', sessions: new Sessions('repo-flows-session-secret-0123456789abcdef', false), limits: new RateLimits({ chatPerSession: 100, chatPerIp: 100, createsPerSession: 100, createsPerIp: 100 }) };
  }

  function runRequest(body: unknown, token = RUNS_TOKEN) {
    return new Request('http://localhost/api/runs', { method: 'POST', headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) }, body: JSON.stringify(body) });
  }

  async function events(response: Response): Promise<RepoEvent[]> {
    expect(response.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
    const out: RepoEvent[] = [];
    for await (const event of readRepoEvents(response.body!)) out.push(event);
    return out;
  }

  const sandboxesLeft = async () => (await provider.list({})).length;

  return { github, model, contextWith, routes: () => routes, runRequest, events, sandboxesLeft, provider: () => provider };
}
