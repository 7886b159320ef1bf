// The Daytona provider against a fake that keeps Daytona's state as its server does (stopped and
// archived sandboxes, new preview tokens, quotas, resources), through the real @daytonaio/sdk.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { exitProblem } from '~/lib/problems/problem';
import { DaytonaProvider, type SandboxRestart } from '~/lib/sandbox/daytona/daytona-provider.server';
import { SandboxProviderError, SandboxQuotaError } from '~/lib/sandbox/sandbox-provider.server';
import { defaultScript, FakeDaytona } from '../fakes/fake-daytona';

const fake = new FakeDaytona({ transitionMs: 30, restoreMs: 1500 });
const providers: DaytonaProvider[] = [];
const restarts: SandboxRestart[] = [];
const labels = { app: 'appforge', owner: 'owner-b', project: 'p2' };

function makeProvider(overrides: Partial<ConstructorParameters<typeof DaytonaProvider>[0]> = {}) {
  const p = new DaytonaProvider({
    apiKey: fake.apiKey,
    apiUrl: fake.apiUrl,
    target: 'us',
    idleTtlMin: 30,
    polling: true,
    retry: { baseDelayMs: 5, maxDelayMs: 2000 },
    pollIntervalMs: 40,
    // A stopped sandbox starts in well under a second here; an archived one is restored in 1.5 s.
    startTimeoutS: 1,
    archivedStartTimeoutS: 10,
    onRestart: (event) => restarts.push(event),
    ...overrides,
  });
  providers.push(p);
  return p;
}

let provider: DaytonaProvider;
const stateOf = (id: string) => fake.sandboxes.get(id)!.state;
async function settled(id: string, state: string) {
  await expect.poll(() => stateOf(id), { timeout: 5000, interval: 10 }).toBe(state);
}
async function run(p: DaytonaProvider, id: string, command: string) {
  let output = '';
  const result = await p.exec(id, command, { onOutput: (c) => (output += c) });
  return { ...result, output };
}

beforeAll(async () => {
  await fake.start(24530);
  provider = makeProvider();
});
beforeEach(() => {
  restarts.length = 0;
  fake.faults = { createFailures: 0, rateLimited: 0, retryAfterSeconds: 0, createHangs: false, refuseLogSocket: false };
  fake.onCommand = defaultScript;
  fake.lifecycle.quota = { cpu: Infinity, memory: Infinity, disk: Infinity };
});
afterAll(async () => {
  for (const p of providers) for (const s of await p.list({ app: 'appforge' }).catch(() => [])) await p.delete(s.id).catch(() => {});
  for (let i = 0; i < 100 && fake.live > 0; i++) await new Promise((r) => setTimeout(r, 20));
  expect(fake.live).toBe(0);
  for (const p of providers) await p.close();
  await fake.stop();
});

describe('a Daytona sandbox stopped or archived behind the app', () => {
  it('is started again on the next call, with a new preview token the proxy then uses', async () => {
    const { id } = await provider.create(labels);
    await provider.start(id, 'npm run dev');
    expect(await provider.findPort(id, 2000)).toBe(3000);
    const before = await provider.previewTarget(id, 3000);
    fake.lifecycle.stop(fake.sandboxes.get(id)!); // Daytona's auto-stop
    await settled(id, 'stopped');
    expect((await provider.get(id))?.state).toBe('stopped');
    // Preview traffic alone does not wake a sandbox.
    expect(await provider.findPort(id, 0)).toBeNull();
    expect(stateOf(id)).toBe('stopped');

    expect(await run(provider, id, 'npm install')).toMatchObject({ exitCode: 0, output: 'ran: cd project && npm install\n' });
    expect(stateOf(id)).toBe('started');
    expect(restarts.map(({ sandboxId, from, phase }) => ({ sandboxId, from, phase }))).toEqual([
      { sandboxId: id, from: 'stopped', phase: 'restarting' },
      { sandboxId: id, from: 'stopped', phase: 'started' },
    ]);
    await provider.start(id, 'npm run dev');
    const after = await provider.previewTarget(id, 3000);
    expect(after.headers['X-Daytona-Preview-Token']).toBe(fake.sandboxes.get(id)!.previewToken);
    expect(after.headers['X-Daytona-Preview-Token']).not.toBe(before.headers['X-Daytona-Preview-Token']);
    expect((await fetch(before.url, { headers: before.headers })).status).toBe(401);
    expect((await fetch(after.url, { headers: after.headers })).status).toBe(200);
    await provider.delete(id);
  });

  it('is started again when it stops between the state check and the call (the toolbox says "Is the Sandbox started?")', async () => {
    const { id } = await provider.create(labels);
    const sandbox = fake.sandboxes.get(id)!;
    // The API still says started; the container stops just before the upload reaches it.
    fake.beforeToolbox = (s) => {
      if (s.id !== id) return; // another test's server may still be polled
      fake.beforeToolbox = undefined;
      Object.assign(s, { state: 'stopped', desiredState: 'stopped' });
    };
    await provider.writeFiles(id, [{ path: 'a.txt', content: 'a' }]);
    expect([...sandbox.files.keys()]).toEqual(['project/a.txt']);
    expect(sandbox.state).toBe('started');
    expect(restarts.map((r) => r.phase)).toEqual(['restarting', 'started']);
    await provider.delete(id);
  });

  it('stops by itself after its auto-stop interval of inactivity, and comes back on the next command', async () => {
    const quick = new FakeDaytona({ transitionMs: 20, minuteMs: 300 });
    await quick.start(24531);
    const p = makeProvider({ apiKey: quick.apiKey, apiUrl: quick.apiUrl, idleTtlMin: 1 });
    try {
      const { id } = await p.create(labels);
      await expect.poll(() => quick.sandboxes.get(id)!.state, { timeout: 5000, interval: 20 }).toBe('stopped');
      quick.sandboxes.get(id)!.autoDeleteInterval = -1; // keep it long enough to come back
      expect(await run(p, id, 'ls')).toMatchObject({ exitCode: 0, output: 'ran: cd project && ls\n' });
      expect(quick.sandboxes.get(id)!.state).toBe('started');
      await p.delete(id);
    } finally {
      await quick.stop();
    }
  });

  it('is restored from the archive with the longer wait, and says that it takes longer', async () => {
    const { id } = await provider.create(labels);
    await provider.writeFiles(id, [{ path: 'index.html', content: '<h1>kept</h1>' }]);
    fake.lifecycle.stop(fake.sandboxes.get(id)!);
    await settled(id, 'stopped');
    fake.lifecycle.archive(fake.sandboxes.get(id)!);
    await settled(id, 'archived');
    expect((await provider.get(id))?.state).toBe('stopped');
    const tree = await provider.readTree(id);
    expect(tree.map((e) => e.content)).toEqual(['<h1>kept</h1>']);
    expect(restarts[0]).toMatchObject({ sandboxId: id, from: 'archived', phase: 'restarting' });
    expect(restarts[0].message).toMatch(/archived.*(minute|longer)/i);
    expect(restarts[1]).toMatchObject({ phase: 'started' });
    await provider.delete(id);
  });

  it('is not started again by Stop, and stopping it twice is no error', async () => {
    const { id } = await provider.create(labels);
    await provider.stop(id);
    await provider.stop(id);
    expect(stateOf(id)).toBe('stopped');
    expect(restarts).toEqual([]);
    await provider.delete(id);
    // Being destroyed, it is gone for the app.
    expect(await provider.get(id)).toBeNull();
  });
});

describe("Daytona's refusals", () => {
  it('turn a quota refusal into a typed quota error with a sentence (not a 502), at creation and at a restart', async () => {
    const { id } = await provider.create(labels);
    fake.lifecycle.quota.cpu = 1;
    const refused = await provider.create(labels).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(SandboxQuotaError);
    expect((refused as SandboxQuotaError).status).toBeGreaterThanOrEqual(400);
    expect((refused as SandboxQuotaError).status).toBeLessThan(500);
    expect((refused as Error).message).toMatch(/Daytona.*CPU limit.*\(1\).*Stop or delete/);
    await provider.stop(id);
    fake.lifecycle.quota.cpu = 0;
    await expect(provider.exec(id, 'ls')).rejects.toThrow(SandboxQuotaError);
    expect(restarts.at(-1)).toMatchObject({ sandboxId: id, phase: 'failed' });
    fake.lifecycle.quota.cpu = Infinity;
    await provider.delete(id);
  });

  it('say which setting to lower when the configured size passes the per-sandbox limit', async () => {
    const big = makeProvider({ resources: { cpu: 8, memory: 4, disk: 10 } });
    await expect(big.create(labels)).rejects.toThrow(/CPU request 8 exceeds maximum allowed per sandbox \(4\).*DAYTONA_CPU/s);
    await expect(big.create(labels)).rejects.toBeInstanceOf(SandboxProviderError);
  });
});

describe('resources and exits', () => {
  it('creates sandboxes of the configured size from an image', async () => {
    const sized = makeProvider({ resources: { cpu: 2, memory: 4, disk: 8 } });
    const { id } = await sized.create(labels);
    const stored = fake.sandboxes.get(id)!;
    expect([stored.cpu, stored.memory, stored.disk]).toEqual([2, 4, 8]);
    expect(stored.dockerfile).toMatch(/^FROM /m);
    expect(stored.snapshot).toBeUndefined();
    await sized.delete(id);
  });

  it('keeps the stream marker bytes out of polled output', async () => {
    fake.onCommand = () => ({ output: 'line one\nline two\n', stderr: 'warning: three\n' });
    fake.faults.refuseLogSocket = true;
    const { id } = await provider.create(labels);
    const { output } = await run(provider, id, 'npm run build');
    expect(output).toBe('line one\nline two\nwarning: three\n');
    expect(output).not.toMatch(/[\x01\x02]/);
    await provider.delete(id);
  });

  it('reports exit 137 as running out of memory, naming the setting that fixes it', async () => {
    fake.onCommand = () => ({ output: 'Killed\n', exitCode: 137 });
    const { id } = await provider.create(labels);
    const { exitCode, output } = await run(provider, id, 'npm install');
    expect(exitCode).toBe(137);
    const problem = exitProblem('command', 'npm install', exitCode, output);
    expect(problem.message).toMatch(/out of memory/);
    expect(problem.message).toMatch(/DAYTONA_MEMORY_GB/);
    expect(problem.message).toMatch(/SANDBOX_MEMORY_MB/);
    await provider.delete(id);
  });
});
