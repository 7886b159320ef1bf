import { afterEach, describe, expect, it, vi } from 'vitest';
import { FakeTab } from '../../../tests/fakes/fake-webcontainer';
import { previewScriptSource } from '../problems/preview-reporter';
import { RuntimeUnavailableError, type PreviewInfo } from './runtime';
import { resetWebContainerBootForTests, WebContainerRuntime } from './webcontainer-runtime';

const reachable = async () => {};
const runtimeIn = (tab: FakeTab, options: { timeoutMs?: number; probe?: () => Promise<void> } = {}) => new WebContainerRuntime({ probe: reachable, load: tab.load, ...options });
const quietly = { onOutput: () => {} };
const tick = (ms = 20) => new Promise((resolve) => setTimeout(resolve, ms));

/** Resolves with the first preview the runtime announces for `port`. */
function previewOn(runtime: WebContainerRuntime, port: number) {
  return new Promise<PreviewInfo>((resolve) => runtime.onPreview((preview) => preview.port === port && resolve(preview)));
}

afterEach(() => {
  resetWebContainerBootForTests();
  vi.unstubAllGlobals();
  vi.restoreAllMocks();
});

describe('WebContainerRuntime', () => {
  it('writes files (creating folders), runs commands with jsh and reports exit codes and output', async () => {
    const tab = new FakeTab().program('npm test', { exitCode: 3 });
    const runtime = runtimeIn(tab);
    await runtime.writeFiles({ 'src/deep/a.js': 'a', 'index.html': '<p>' });
    expect(await tab.instance!.fs.readFile('src/deep/a.js', 'utf8')).toBe('a');
    const output: string[] = [];
    expect(await runtime.exec('npm install', { onOutput: (c) => output.push(c) })).toEqual({ exitCode: 0 });
    expect(await runtime.exec('npm test', quietly)).toEqual({ exitCode: 3 });
    expect(tab.instance!.processes.map((p) => p.command)).toEqual(['npm install', 'npm test']);
    expect(output.join('')).toContain('ran npm install');
  });

  it('boots once per tab, however many runtimes are created', async () => {
    const tab = new FakeTab();
    await runtimeIn(tab).ready();
    await runtimeIn(tab).ready();
    expect(tab.boots).toBe(1);
  });

  it('starts a server without waiting for it, reports its preview URL, and kills it on request', async () => {
    const tab = new FakeTab().program('npm run dev', { listen: 5173 });
    const runtime = runtimeIn(tab);
    const preview = previewOn(runtime, 5173);
    const server = await runtime.start('npm run dev', quietly);
    expect((await preview).url).toMatch(/--5173--/);
    server.kill();
    expect(await server.exit).toBe(143);
  });

  it('kills a running command when its signal aborts', async () => {
    const tab = new FakeTab().program('tsc --watch', { forever: true });
    const runtime = runtimeIn(tab);
    const controller = new AbortController();
    const pending = runtime.exec('tsc --watch', { ...quietly, signal: controller.signal });
    await tick(5);
    controller.abort();
    expect(await pending).toEqual({ exitCode: 143 });
    expect(tab.instance!.processes[0].killed).toBe(true);
  });

  it('reads text files back, skipping binary ones and node_modules', async () => {
    const tab = new FakeTab().program('npm install', { creates: { 'node_modules/x/index.js': 'x', 'package-lock.json': '{}' } });
    const runtime = runtimeIn(tab);
    await runtime.writeFiles({ 'package.json': '{}', 'src/a.js': 'a' });
    await tab.instance!.fs.writeFile('src/logo.png', new Uint8Array([137, 80, 0, 71]));
    await runtime.exec('npm install', quietly);
    expect(await runtime.readTree()).toEqual({ 'package.json': '{}', 'package-lock.json': '{}', 'src/a.js': 'a' });
  });

  it('reports a boot failure as RuntimeUnavailableError with the reason', async () => {
    const tab = new FakeTab();
    tab.bootFailure = new Error('Unable to create more instances');
    const runtime = runtimeIn(tab);
    await expect(runtime.ready()).rejects.toThrow(RuntimeUnavailableError);
    await expect(runtime.ready()).rejects.toThrow('Unable to create more instances');
  });

  it('fails at once, with the reason, when the runtime servers cannot be reached', async () => {
    const tab = new FakeTab();
    tab.bootFailure = 'never';
    const unreachable = async () => {
      throw new RuntimeUnavailableError("StackBlitz's servers cannot be reached");
    };
    await expect(runtimeIn(tab, { probe: unreachable, timeoutMs: 60_000 }).ready()).rejects.toThrow(/cannot be reached/);
  });

  it('gives up on a boot that never answers after its timeout', async () => {
    const tab = new FakeTab();
    tab.bootFailure = 'never';
    await expect(runtimeIn(tab, { timeoutMs: 30 }).ready()).rejects.toThrow(/did not boot within/);
  });

  it("forwards the preview's own errors (boot with forwardPreviewErrors) as problems", async () => {
    const tab = new FakeTab();
    const runtime = runtimeIn(tab);
    const problems: unknown[] = [];
    runtime.capabilities.onProblem!((problem) => problems.push(problem));
    await runtime.ready();
    expect(tab.bootOptions).toMatchObject({ forwardPreviewErrors: true });
    const container = tab.instance!;
    container.emit('preview-message', { type: 'PREVIEW_UNCAUGHT_EXCEPTION', message: 'x is not defined', stack: 'ReferenceError: x is not defined\n    at App (https://abc.webcontainer.io/src/App.jsx:4:9)', previewId: 'p', port: 5173, pathname: '/', search: '', hash: '' });
    container.emit('preview-message', { type: 'PREVIEW_CONSOLE_ERROR', args: ['Warning:', { a: 1 }], stack: '', previewId: 'p', port: 5173, pathname: '/', search: '', hash: '' });
    expect(problems).toEqual([
      { kind: 'runtime', origin: 'page', message: 'x is not defined', where: 'src/App.jsx:4', output: 'ReferenceError: x is not defined\n    at App (https://abc.webcontainer.io/src/App.jsx:4:9)' },
      { kind: 'runtime', origin: 'page', message: 'Warning: {"a":1}', where: undefined, output: undefined },
    ]);
  });
});

describe('a follow-up start', () => {
  it('stops the running server and waits for its port to close before the new one starts', async () => {
    // A server whose port closes only when the test says so (as a slow shutdown would).
    const tab = new FakeTab().program('serve v1', { forever: true }).program('serve v2', { forever: true });
    const runtime = runtimeIn(tab);
    const first = await runtime.start('serve v1', quietly);
    const container = tab.instance!;
    container.emit('port', 3000, 'open', 'http://localhost:3000');
    let started = false;
    const second = runtime.start('serve v2', quietly).then((process) => ((started = true), process));
    await tick(50);
    // The old server got its kill, and while its port is still open the new one waits.
    expect(container.processes.map((p) => [p.command, p.killed])).toEqual([['serve v1', true]]);
    expect(await first.exit).toBe(143);
    expect(started).toBe(false);
    container.emit('port', 3000, 'close', 'http://localhost:3000');
    await second;
    expect(container.processes.map((p) => [p.command, p.killed])).toEqual([['serve v1', true], ['serve v2', false]]);
  });

  it('starts at once when nothing runs, and a server that already ended is not waited for', async () => {
    const tab = new FakeTab().program('serve v1', { forever: true });
    const runtime = runtimeIn(tab);
    await runtime.start('build once', quietly);
    await tick(10);
    const begun = Date.now();
    await runtime.start('serve v1', quietly);
    expect(Date.now() - begun).toBeLessThan(500);
    expect(tab.instance!.processes.map((p) => p.killed)).toEqual([false, false]);
  });
});

describe('the preview script (problem reporter and element picker)', () => {
  const APP_HOST = 'appforge.example:5173';

  it('is installed once per boot, for the app host, however many chats claim the container', async () => {
    vi.stubGlobal('location', { host: APP_HOST });
    const tab = new FakeTab().program('npm run dev', { listen: 5173, unkillable: true });
    const quick = () => new WebContainerRuntime({ probe: reachable, load: tab.load, stopWaitMs: 50 });
    const first = quick();
    await first.ready();
    await first.dispose();
    const second = quick();
    await second.ready();
    expect(tab.boots).toBe(1);
    expect(tab.instance!.previewScripts).toEqual([{ source: previewScriptSource({ appHost: APP_HOST }), options: undefined }]);
    const script = tab.instance!.previewScripts[0].source;
    expect(script).toContain(`"appHost":"${APP_HOST}"`);
    expect(script).toContain('appforge-preview-pick');
    expect(script).not.toContain('<script');
    expect(() => new Function(script)).not.toThrow();

    // A server that ignores its kill makes the next claim tear the instance down and boot again: the new one gets the script too.
    await second.start('npm run dev', quietly);
    await tick();
    await second.dispose();
    const old = tab.instance!;
    await quick().ready();
    expect(tab.boots).toBe(2);
    expect(tab.instance).not.toBe(old);
    expect(tab.instance!.previewScripts.map((s) => s.source)).toEqual([previewScriptSource({ appHost: APP_HOST })]);
  });

  it('a refusal does not fail the boot, and is logged', async () => {
    vi.stubGlobal('location', { host: APP_HOST });
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const tab = new FakeTab();
    tab.previewScriptFailure = new Error('preview scripts are not supported');
    const runtime = runtimeIn(tab);
    await runtime.ready();
    await runtime.writeFiles({ 'a.txt': 'a' });
    expect(tab.instance!.previewScripts).toEqual([]);
    expect(warn).toHaveBeenCalledTimes(1);
    expect(String(warn.mock.calls[0][0])).toMatch(/preview script .* could not be installed .*preview scripts are not supported/);
  });

  it('is not installed where there is no page (no location)', async () => {
    const tab = new FakeTab();
    await runtimeIn(tab).ready();
    expect(typeof location).toBe('undefined');
    expect(tab.instance!.previewScripts).toEqual([]);
  });
});
