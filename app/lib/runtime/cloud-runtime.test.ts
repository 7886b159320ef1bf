import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { FakeSandboxApi } from '../../../tests/fakes/fake-sandbox-api';
import { CloudRuntime, SandboxGoneError } from './cloud-runtime';

let api: FakeSandboxApi;
beforeEach(() => {
  api = new FakeSandboxApi();
  vi.stubGlobal('fetch', api.fetch);
});
afterEach(() => vi.unstubAllGlobals());

const FILES = '/api/sandboxes/sb1/files';

describe('CloudRuntime', () => {
  it('batches writes made close together into one request, and skips files that did not change', async () => {
    const runtime = new CloudRuntime({ project: 'chat1', debounceMs: 20 });
    await runtime.ready();
    await Promise.all([runtime.writeFiles({ 'a.js': '1' }), runtime.writeFiles({ 'b.js': '2' }), runtime.writeFiles({ 'a.js': '3' })]);
    expect(api.count('PUT', FILES)).toBe(1);
    expect(api.requests.find((r) => r.method === 'PUT')!.body).toEqual({ files: [{ path: 'a.js', content: '3' }, { path: 'b.js', content: '2' }], remove: [] });
    await runtime.writeFiles({ 'a.js': '3', 'b.js': '2' });
    expect(api.count('PUT', FILES)).toBe(1);
    await runtime.writeFiles({ 'a.js': '4', 'b.js': '2' });
    expect(api.requests.filter((r) => r.method === 'PUT').at(-1)!.body).toEqual({ files: [{ path: 'a.js', content: '4' }], remove: [] });
    expect(runtime.steps.get()['writing files']).toMatchObject({ state: 'done' });
  });

  it('flushes pending files before a command and streams its output and exit code', async () => {
    api.exitCodes.set('npm test', 2);
    const runtime = new CloudRuntime({ project: 'chat1', debounceMs: 10_000 });
    void runtime.writeFiles({ 'test.js': 'x' });
    const output: string[] = [];
    expect(await runtime.exec('npm test', { onOutput: (c) => output.push(c) })).toEqual({ exitCode: 2 });
    expect(api.files.get('test.js')).toBe('x');
    expect(output.join('')).toBe('ran npm test\n');
  });

  it('installs early and reuses that install for a later plain npm install of the same package.json', async () => {
    api.installDelayMs = 30;
    const runtime = new CloudRuntime({ project: 'chat1' });
    await runtime.ready();
    await runtime.writeFiles({ 'package.json': '{"dependencies":{}}' });
    const early = runtime.installEarly(() => {});
    const output: string[] = [];
    const later = await runtime.exec('npm install', { onOutput: (c) => output.push(c) });
    expect(later).toEqual({ exitCode: 0 });
    expect(await early).toEqual({ exitCode: 0 });
    expect(api.requests.filter((r) => r.path.endsWith('/exec')).map((r) => (r.body as { command: string }).command)).toEqual(['npm install --no-audit --no-fund']);
    expect(output.join('')).toMatch(/already installed while the answer streamed/);
    // A changed package.json is installed again.
    await runtime.writeFiles({ 'package.json': '{"dependencies":{"x":"1"}}' });
    await runtime.exec('npm install', { onOutput: () => {} });
    expect(api.requests.filter((r) => r.path.endsWith('/exec'))).toHaveLength(2);
  });

  it('starts a server and reports its preview URL once it listens', async () => {
    const runtime = new CloudRuntime({ project: 'chat1' });
    const previews: unknown[] = [];
    runtime.onPreview((p) => previews.push(p));
    const output: string[] = [];
    await runtime.start('npm start', { onOutput: (c) => output.push(c) });
    await vi.waitFor(() => expect(previews).toEqual([{ port: 3000, url: 'http://tok.localhost:5173/' }]));
    expect(output.join('')).toBe('listening\n');
    expect(runtime.steps.get().ready).toMatchObject({ state: 'done' });
  });

  it('reports the preview URL the server issues now, not the one it issued at creation', async () => {
    const runtime = new CloudRuntime({ project: 'chat1' });
    await runtime.ready();
    api.previewUrl = 'http://tok2.localhost:5173/';
    const previews: unknown[] = [];
    runtime.onPreview((p) => previews.push(p));
    await runtime.start('npm start', { onOutput: () => {} });
    await vi.waitFor(() => expect(previews).toEqual([{ port: 3000, url: 'http://tok2.localhost:5173/' }]));
    expect(runtime.sandbox.get()?.previewUrl).toBe('http://tok2.localhost:5173/');
  });

  it('reattaches to an existing sandbox, and says when it is gone', async () => {
    const attached = new CloudRuntime({ project: 'chat1', sandboxId: 'sb1' });
    await attached.ready();
    expect(api.count('POST', '/api/sandboxes')).toBe(0);
    api.gone = true;
    const gone = new CloudRuntime({ project: 'chat1', sandboxId: 'sb1' });
    await expect(gone.ready()).rejects.toThrow(SandboxGoneError);
    expect(gone.steps.get().creating).toMatchObject({ state: 'failed', error: expect.stringMatching(/no longer exists/) });
  });

  it("captures and restores the sandbox's state as bytes, after the pending files; over the cap, with the server's sentence", async () => {
    const runtime = new CloudRuntime({ project: 'chat1', debounceMs: 10_000 });
    void runtime.writeFiles({ 'src/index.js': 'x' });
    const bytes = Uint8Array.from({ length: 70_000 }, (_, i) => (i * 7) % 256);
    await runtime.capabilities.state!.restore(bytes, ['src/index.js']);
    expect(api.files.get('src/index.js')).toBe('x');
    expect(api.requests.at(-1)).toEqual({ method: 'PUT', path: '/api/sandboxes/sb1/state', body: { archive: Buffer.from(bytes).toString('base64'), keep: ['src/index.js'] } });
    const captured = await runtime.capabilities.state!.capture(['src/index.js']);
    expect(captured.files).toBe(1);
    expect(captured.archive).toEqual(bytes);
    expect(api.requests.at(-1)).toMatchObject({ method: 'POST', body: { keep: ['src/index.js'] } });
    api.stateRefusal = "The sandbox's state is 27.3 MB compressed, over the 20 MB a version may keep (SANDBOX_STATE_MAX_MB).";
    const refused = await runtime.capabilities.state!.capture([]).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(Error);
    expect(refused).toMatchObject({ message: api.stateRefusal, status: 413 });
  });

  it('reads the tree back as text files', async () => {
    const runtime = new CloudRuntime({ project: 'chat1' });
    api.files.set('package-lock.json', '{}');
    expect(await runtime.readTree()).toEqual({ 'package-lock.json': '{}' });
  });

  it('sends an edit made while a batch is in flight, even one back to the earlier content', async () => {
    api.putDelayMs = 50;
    const runtime = new CloudRuntime({ project: 'chat1', debounceMs: 5 });
    await runtime.ready();
    await runtime.writeFiles({ 'a.js': 'old' });
    const first = runtime.writeFiles({ 'a.js': 'new' });
    await new Promise((r) => setTimeout(r, 20)); // the PUT with "new" is in flight
    await Promise.all([first, runtime.writeFiles({ 'a.js': 'old' })]);
    expect(api.files.get('a.js')).toBe('old');
  });

  it('settles pending writes when disposed, so nothing waits on a runtime that is gone', async () => {
    const runtime = new CloudRuntime({ project: 'chat1', debounceMs: 10_000 });
    await runtime.ready();
    const pending = runtime.writeFiles({ 'a.js': '1' });
    await runtime.dispose();
    await expect(pending).resolves.toBeUndefined();
    await expect(runtime.writeFiles({ 'b.js': '2' })).resolves.toBeUndefined();
  });
});
