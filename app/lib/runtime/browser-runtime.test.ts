import { afterEach, describe, expect, it, vi } from 'vitest';
import { FakeTab } from '../../../tests/fakes/fake-webcontainer';
import { BrowserRuntime } from './browser-runtime';
import { RuntimeUnavailableError, type PreviewInfo } from './runtime';
import { resetWebContainerBootForTests, WebContainerRuntime } from './webcontainer-runtime';

const tick = (ms = 20) => new Promise((resolve) => setTimeout(resolve, ms));
const quietly = { onOutput: () => {} };

/** The runtime's code as BrowserRuntime loads it, on `tab`, counting the loads. */
function codeFor(tab: FakeTab) {
  const counter = { loads: 0 };
  const load = async () => {
    counter.loads += 1;
    return {
      WebContainerRuntime: class extends WebContainerRuntime {
        constructor(options: ConstructorParameters<typeof WebContainerRuntime>[0] = {}) {
          super({ ...options, load: tab.load });
        }
      },
    };
  };
  return { counter, load };
}

const unreachable = async () => {
  throw new RuntimeUnavailableError("StackBlitz's servers cannot be reached");
};

afterEach(() => {
  resetWebContainerBootForTests();
  vi.unstubAllGlobals();
});

describe('BrowserRuntime', () => {
  it("does not load the runtime's code (nor WebContainer's API) where StackBlitz's servers cannot be reached", async () => {
    const tab = new FakeTab();
    const { counter, load } = codeFor(tab);
    await expect(new BrowserRuntime({ probe: unreachable, load }).ready()).rejects.toThrow(/cannot be reached/);
    expect(counter.loads).toBe(0);
    expect(tab.boots).toBe(0);
  });

  it('does not load it where the page is not cross-origin isolated', async () => {
    vi.stubGlobal('window', { crossOriginIsolated: false });
    const { counter, load } = codeFor(new FakeTab());
    await expect(new BrowserRuntime({ probe: async () => {}, load }).ready()).rejects.toThrow(/not cross-origin isolated/);
    expect(counter.loads).toBe(0);
  });

  it('loads it when the servers answer, or once they have not refused within the head start, and boots', async () => {
    const tab = new FakeTab();
    const { counter, load } = codeFor(tab);
    await new BrowserRuntime({ probe: async () => {}, load }).ready();
    expect(counter.loads).toBe(1);
    expect(tab.boots).toBe(1);

    resetWebContainerBootForTests();
    const slowTab = new FakeTab();
    const slow = codeFor(slowTab);
    const ready = new BrowserRuntime({ probe: () => new Promise<void>(() => {}), load: slow.load, headStartMs: 60 }).ready();
    await tick(20);
    expect(slow.counter.loads).toBe(0);
    await ready;
    expect(slow.counter.loads).toBe(1);
    expect(slowTab.boots).toBe(1);
  });

  it('a late refusal still ends the boot at once (the same probe, not a second one)', async () => {
    const tab = new FakeTab();
    tab.bootFailure = 'never';
    const { load } = codeFor(tab);
    let probes = 0;
    let refuse: (error: Error) => void = () => {};
    const probe = () => {
      probes += 1;
      return new Promise<void>((_, reject) => (refuse = reject));
    };
    const ready = new BrowserRuntime({ probe, load, headStartMs: 10 }).ready();
    await tick(40);
    refuse(new RuntimeUnavailableError("StackBlitz's servers cannot be reached"));
    await expect(ready).rejects.toThrow(/cannot be reached/);
    expect(probes).toBe(1);
  });

  it("is the loaded runtime: files, commands, read-back, previews and the page's problems", async () => {
    const tab = new FakeTab().program('npm run dev', { listen: 5173 }).program('npm test', { exitCode: 3 });
    const { load } = codeFor(tab);
    const runtime = new BrowserRuntime({ probe: async () => {}, load });
    expect(runtime.kind).toBe('browser');
    expect(runtime.capabilities.readBack).toBe(true);
    const previews: PreviewInfo[] = [];
    runtime.onPreview((preview) => previews.push(preview));
    const problems: unknown[] = [];
    runtime.capabilities.onProblem!((problem) => problems.push(problem));

    await runtime.writeFiles({ 'src/a.js': 'a', 'index.html': '<p>' });
    await runtime.removePaths(['index.html']);
    expect(await runtime.readTree()).toEqual({ 'src/a.js': 'a' });
    expect(await runtime.exec('npm test', quietly)).toEqual({ exitCode: 3 });
    const server = await runtime.start('npm run dev', quietly);
    await vi.waitFor(() => expect(previews.map((p) => p.port)).toContain(5173));
    tab.instance!.emit('preview-message', { type: 'PREVIEW_UNCAUGHT_EXCEPTION', message: 'boom', stack: '' });
    expect(problems).toMatchObject([{ kind: 'runtime', origin: 'page', message: 'boom' }]);
    server.kill();
    await runtime.dispose();
  });

  it('closed before its code has loaded: loads nothing, boots nothing', async () => {
    const tab = new FakeTab();
    const { counter, load } = codeFor(tab);
    const runtime = new BrowserRuntime({ probe: () => new Promise<void>(() => {}), load, headStartMs: 30 });
    const ready = runtime.ready();
    await runtime.dispose();
    await expect(ready).rejects.toThrow(/closed/);
    expect(counter.loads).toBe(0);
    expect(tab.boots).toBe(0);
  });
});
