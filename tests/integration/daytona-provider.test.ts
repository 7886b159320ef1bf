import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DaytonaProvider } from '~/lib/sandbox/daytona/daytona-provider.server';
import { SandboxNotFoundError, SandboxProviderError, SandboxQuotaError } from '~/lib/sandbox/sandbox-provider.server';
import { defaultScript, FakeDaytona } from '../fakes/fake-daytona';

const fake = new FakeDaytona();
let provider: DaytonaProvider;
const providers: DaytonaProvider[] = [];

function makeProvider(overrides: Partial<ConstructorParameters<typeof DaytonaProvider>[0]> = {}) {
  const p = new DaytonaProvider({ apiKey: fake.apiKey, apiUrl: fake.apiUrl, target: 'us', idleTtlMin: 30, polling: true, retry: { baseDelayMs: 5, maxDelayMs: 2000 }, pollIntervalMs: 40, ...overrides });
  providers.push(p);
  return p;
}

const labels = { app: 'appforge', owner: 'owner-a', project: 'p1' };

async function run(id: string, command: string, options: { timeoutMs?: number } = {}) {
  let output = '';
  const result = await provider.exec(id, command, { onOutput: (c) => (output += c), ...options });
  return { ...result, output };
}

beforeAll(async () => {
  await fake.start(24520);
  provider = makeProvider();
});
beforeEach(() => {
  fake.faults = { createFailures: 0, rateLimited: 0, retryAfterSeconds: 0, createHangs: false, refuseLogSocket: false };
  fake.requests.length = 0;
  fake.onCommand = defaultScript;
});
afterAll(async () => {
  for (const p of providers) for (const s of await p.list({ app: 'appforge' }).catch(() => [])) await p.delete(s.id).catch(() => {});
  expect(fake.live).toBe(0);
  for (const p of providers) await p.close();
  await fake.stop();
});

describe('DaytonaProvider against a fake Daytona API, through the real SDK', () => {
  it('creates with labels and auto-stop/delete intervals, and finds sandboxes again by label', async () => {
    const info = await provider.create(labels);
    const stored = fake.sandboxes.get(info.id)!;
    expect(stored.labels).toMatchObject(labels);
    expect(stored.autoStopInterval).toBe(30);
    expect(stored.autoDeleteInterval).toBe(60);
    expect(fake.requests.every((r) => r.path.startsWith('/preview') || r.auth === `Bearer ${fake.apiKey}`)).toBe(true);
    expect((await provider.get(info.id))?.labels.owner).toBe('owner-a');
    // A restarted server recovers what it owns from labels alone.
    const fresh = makeProvider();
    expect((await fresh.list({ app: 'appforge', owner: 'owner-a' })).map((s) => s.id)).toContain(info.id);
    expect(await fresh.list({ app: 'appforge', owner: 'nobody' })).toEqual([]);
    await provider.setLabels(info.id, { 'share-x': '1' });
    expect(stored.labels['share-x']).toBe('1');
    await provider.setLabels(info.id, { 'share-x': '' });
    expect(stored.labels).not.toHaveProperty('share-x');
    await provider.delete(info.id);
  });

  it('creates a published app’s sandbox with auto-stop and auto-delete off (it runs until unpublished)', async () => {
    const info = await provider.create({ ...labels, published: '1' });
    const stored = fake.sandboxes.get(info.id)!;
    expect([stored.autoStopInterval, stored.autoDeleteInterval]).toEqual([0, -1]);
    await provider.delete(info.id);
  });

  it('uploads a batch of files in one request, reads the tree back, and removes paths', async () => {
    const { id } = await provider.create(labels);
    await provider.writeFiles(id, [
      { path: 'package.json', content: '{"name":"x"}' },
      { path: 'src/index.js', content: 'console.log(1)' },
      { path: 'logo.bin', content: Buffer.from([0, 1, 2]) },
    ]);
    expect(fake.requests.filter((r) => r.path.endsWith('/files/bulk-upload'))).toHaveLength(1);
    expect(fake.sandboxes.get(id)!.files.get('project/src/index.js')?.toString()).toBe('console.log(1)');
    const tree = await provider.readTree(id);
    expect(tree).toEqual([
      { path: 'logo.bin', size: 3 },
      { path: 'package.json', size: 12, content: '{"name":"x"}' },
      { path: 'src/index.js', size: 14, content: 'console.log(1)' },
    ]);
    await provider.removePaths(id, ['src']);
    expect((await provider.readTree(id)).map((e) => e.path)).toEqual(['logo.bin', 'package.json']);
    await provider.delete(id);
  });

  it('runs commands as session commands with streamed logs and exit codes', async () => {
    const { id } = await provider.create(labels);
    expect(await run(id, 'npm install')).toMatchObject({ exitCode: 0, output: 'ran: cd project && npm install\n' });
    expect((await run(id, 'npm test; exit 3')).exitCode).toBe(3);
    await provider.delete(id);
  });

  it('falls back to polling when the log socket is refused', async () => {
    const { id } = await provider.create(labels);
    fake.faults.refuseLogSocket = true;
    expect(await run(id, 'npm run build')).toMatchObject({ exitCode: 0, output: 'ran: cd project && npm run build\n' });
    expect(fake.requests.some((r) => r.path.endsWith('/logs'))).toBe(true);
    await provider.delete(id);
  });

  it('kills a command past its timeout by deleting its session', async () => {
    const { id } = await provider.create(labels);
    fake.onCommand = () => ({ output: 'working\n', durationMs: Infinity });
    expect(await run(id, 'sleep 100', { timeoutMs: 300 })).toMatchObject({ exitCode: 124, timedOut: true });
    expect([...fake.sandboxes.get(id)!.sessions.keys()]).toEqual([]);
    await provider.delete(id);
  });

  it('starts a server in the background, finds its port, and proxies with the preview token headers', async () => {
    const { id } = await provider.create(labels);
    let output = '';
    const server = await provider.start(id, 'npm run dev', { onOutput: (c) => (output += c) });
    expect(await provider.findPort(id, 2000)).toBe(3000);
    const target = await provider.previewTarget(id, 3000);
    expect(target.headers['X-Daytona-Skip-Preview-Warning']).toBe('true');
    expect(target.headers['X-Daytona-Preview-Token']).toBe(fake.sandboxes.get(id)!.previewToken);
    const page = await (await fetch(target.url, { headers: target.headers })).text();
    expect(page).toContain(`Daytona preview of ${id}`);
    await expect.poll(() => output).toContain('server listening');
    await provider.stop(id);
    // Stopped with its sandbox (SIGTERM): an exit on purpose, not a crash (137 would say "out of memory").
    expect(await server.exit).toBe(143);
    await provider.delete(id);
  });

  it('maps a failing create to a clear error', async () => {
    fake.faults.createFailures = 1;
    await expect(provider.create(labels)).rejects.toThrow(SandboxProviderError);
    fake.faults.createFailures = 1;
    await expect(provider.create(labels)).rejects.toThrow(/Daytona failed: Internal error while creating the sandbox/);
  });

  it("retries 429s, honouring Daytona's Retry-After-<throttler>, and gives up with a quota error when they persist", async () => {
    fake.faults.rateLimited = 2;
    fake.faults.retryAfterSeconds = 1;
    const started = Date.now();
    const info = await provider.create(labels);
    expect(Date.now() - started).toBeGreaterThanOrEqual(1900);
    expect(fake.requests.filter((r) => r.method === 'POST' && r.path === '/api/sandbox')).toHaveLength(3);
    fake.faults.rateLimited = 100;
    fake.faults.retryAfterSeconds = 0;
    await expect(provider.get(info.id)).rejects.toThrow(SandboxQuotaError);
    await expect(provider.get(info.id)).rejects.toThrow(/rate-limiting/);
    fake.faults.rateLimited = 0;
    await provider.delete(info.id);
  });

  it('reports a creation that does not finish in time', async () => {
    fake.faults.createHangs = true;
    const slow = makeProvider({ createTimeoutS: 1 });
    await expect(slow.create(labels)).rejects.toThrow(/did not answer in time|timed out/i);
    fake.faults.createHangs = false;
    for (const s of await slow.list({ app: 'appforge' })) if (fake.sandboxes.get(s.id)?.state === 'creating') await slow.delete(s.id);
  });

  it('treats a sandbox deleted behind its back as gone', async () => {
    const { id } = await provider.create(labels);
    fake.sandboxes.delete(id);
    expect(await provider.get(id)).toBeNull();
    await expect(provider.exec(id, 'ls')).rejects.toThrow(SandboxNotFoundError);
    await expect(provider.writeFiles(id, [{ path: 'a', content: 'b' }])).rejects.toThrow(SandboxNotFoundError);
  });

  it('says when the API key is wrong', async () => {
    const wrong = makeProvider({ apiKey: 'dtn-wrong' });
    await expect(wrong.create(labels)).rejects.toThrow(/rejected the server's credentials.*DAYTONA_API_KEY/);
  });

  it('recovers after each fault once it passes', async () => {
    fake.faults.createFailures = 1;
    await expect(provider.create(labels)).rejects.toThrow(SandboxProviderError);
    const first = await provider.create(labels);

    fake.faults.rateLimited = 50; // a storm longer than the retries
    await expect(provider.exec(first.id, 'ls')).rejects.toThrow(SandboxQuotaError);
    fake.faults.rateLimited = 0;
    expect((await run(first.id, 'ls')).exitCode).toBe(0);

    fake.sandboxes.delete(first.id); // deleted while in use
    await expect(provider.exec(first.id, 'ls')).rejects.toThrow(SandboxNotFoundError);
    const second = await provider.create(labels);
    fake.faults.refuseLogSocket = true;
    expect(await run(second.id, 'npm test')).toMatchObject({ exitCode: 0, output: 'ran: cd project && npm test\n' });
    fake.faults.refuseLogSocket = false;
    await provider.delete(second.id);
    expect(fake.live).toBe(0);
  });
});
