import { afterEach, describe, expect, it } from 'vitest';
import { RuntimeUnavailableError } from './runtime';
import { resetWebContainerBootForTests, WebContainerRuntime } from './webcontainer-runtime';

/** Just enough of @webcontainer/api's WebContainer to drive the runtime through its interface. */
class FakeContainer {
  static boots = 0;
  files = new Map<string, string>();
  dirs = new Set<string>();
  spawned: Array<{ command: string; args: string[]; killed: boolean }> = [];
  listeners: Record<string, Array<(...args: unknown[]) => void>> = {};
  exitCodes: Record<string, number> = {};
  fs = {
    mkdir: async (path: string) => void this.dirs.add(path),
    writeFile: async (path: string, data: string) => {
      const dir = path.split('/').slice(0, -1).join('/');
      if (dir && !this.dirs.has(dir)) throw new Error(`ENOENT: ${dir}`);
      this.files.set(path, data);
    },
    rm: async (path: string) => void this.files.delete(path),
  };
  on(event: string, listener: (...args: unknown[]) => void) {
    (this.listeners[event] ??= []).push(listener);
    return () => {};
  }
  emit(event: string, ...args: unknown[]) {
    for (const l of this.listeners[event] ?? []) l(...args);
  }
  async spawn(command: string, args: string[]) {
    const record = { command, args, killed: false };
    this.spawned.push(record);
    const script = args[1];
    let finish!: (code: number) => void;
    const exit = new Promise<number>((resolve) => (finish = resolve));
    const output = new ReadableStream<string>({
      start: (controller) => {
        controller.enqueue(`ran ${script}\r\n`);
        if (!script.startsWith('serve')) {
          controller.close();
          setTimeout(() => finish(this.exitCodes[script] ?? 0), 1);
        }
      },
    });
    return { output, exit, kill: () => ((record.killed = true), finish(143)), input: new WritableStream(), resize() {} };
  }
  async export() {
    return { 'package.json': { file: { contents: '{}' } }, src: { directory: { 'a.js': { file: { contents: 'a' } }, 'logo.png': { file: { contents: new Uint8Array([1]) } } } } };
  }
}

const reachable = async () => {};

function loaderFor(container: FakeContainer | Error | 'never') {
  return async () =>
    ({
      WebContainer: {
        boot: async () => {
          FakeContainer.boots += 1;
          if (container === 'never') return new Promise(() => {});
          if (container instanceof Error) throw container;
          return container;
        },
      },
    }) as never;
}

afterEach(() => {
  resetWebContainerBootForTests();
  FakeContainer.boots = 0;
});

describe('WebContainerRuntime', () => {
  it('writes files (creating folders), runs commands with jsh and reports exit codes and output', async () => {
    const container = new FakeContainer();
    container.exitCodes['npm test'] = 3;
    const runtime = new WebContainerRuntime({ probe: reachable, load: loaderFor(container) });
    await runtime.writeFiles({ 'src/deep/a.js': 'a', 'index.html': '<p>' });
    expect(container.files.get('src/deep/a.js')).toBe('a');
    const output: string[] = [];
    expect(await runtime.exec('npm install', { onOutput: (c) => output.push(c) })).toEqual({ exitCode: 0 });
    expect(await runtime.exec('npm test', { onOutput: () => {} })).toEqual({ exitCode: 3 });
    expect(container.spawned[0]).toMatchObject({ command: 'jsh', args: ['-c', 'npm install'] });
    expect(output.join('')).toContain('ran npm install');
  });

  it('boots once per tab, however many runtimes are created', async () => {
    const container = new FakeContainer();
    await new WebContainerRuntime({ probe: reachable, load: loaderFor(container) }).ready();
    await new WebContainerRuntime({ probe: reachable, load: loaderFor(container) }).ready();
    expect(FakeContainer.boots).toBe(1);
  });

  it('starts a server without waiting for it, reports its preview URL, and kills it on request', async () => {
    const container = new FakeContainer();
    const runtime = new WebContainerRuntime({ probe: reachable, load: loaderFor(container) });
    const previews: unknown[] = [];
    runtime.onPreview((p) => previews.push(p));
    const server = await runtime.start('serve', { onOutput: () => {} });
    container.emit('server-ready', 5173, 'https://x.webcontainer.io');
    expect(previews).toEqual([{ port: 5173, url: 'https://x.webcontainer.io' }]);
    server.kill();
    expect(await server.exit).toBe(143);
  });

  it('kills a running command when its signal aborts', async () => {
    const container = new FakeContainer();
    const runtime = new WebContainerRuntime({ probe: reachable, load: loaderFor(container) });
    const controller = new AbortController();
    const pending = runtime.exec('serve forever', { onOutput: () => {}, signal: controller.signal });
    await new Promise((r) => setTimeout(r, 5));
    controller.abort();
    expect(await pending).toEqual({ exitCode: 143 });
    expect(container.spawned[0].killed).toBe(true);
  });

  it('reads text files back, skipping binary ones', async () => {
    const runtime = new WebContainerRuntime({ probe: reachable, load: loaderFor(new FakeContainer()) });
    expect(await runtime.readTree()).toEqual({ 'package.json': '{}', 'src/a.js': 'a' });
  });

  it('reports a boot failure as RuntimeUnavailableError with the reason', async () => {
    const runtime = new WebContainerRuntime({ probe: reachable, load: loaderFor(new Error('Unable to create more instances')) });
    await expect(runtime.ready()).rejects.toThrow(RuntimeUnavailableError);
    await expect(runtime.ready()).rejects.toThrow('Unable to create more instances');
  });

  it('fails at once, with the reason, when the runtime servers cannot be reached', async () => {
    const unreachable = async () => {
      throw new RuntimeUnavailableError("StackBlitz's servers cannot be reached");
    };
    const runtime = new WebContainerRuntime({ probe: unreachable, load: loaderFor('never'), timeoutMs: 60_000 });
    await expect(runtime.ready()).rejects.toThrow(/cannot be reached/);
  });

  it('gives up on a boot that never answers after its timeout', async () => {
    const runtime = new WebContainerRuntime({ probe: reachable, load: loaderFor('never'), timeoutMs: 30 });
    await expect(runtime.ready()).rejects.toThrow(/did not boot within/);
  });

  it("forwards the preview's own errors (boot with forwardPreviewErrors) as problems", async () => {
    const container = new FakeContainer();
    let bootOptions: unknown;
    const runtime = new WebContainerRuntime({
      load: async () => ({ WebContainer: { boot: async (options: unknown) => ((bootOptions = options), container) } }) as never,
      probe: reachable,
    });
    const problems: unknown[] = [];
    runtime.capabilities.onProblem!((problem) => problems.push(problem));
    await runtime.ready();
    expect(bootOptions).toMatchObject({ forwardPreviewErrors: true });
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
    const container = new FakeContainer();
    const runtime = new WebContainerRuntime({ load: loaderFor(container), probe: reachable });
    const first = await runtime.start('serve v1', { onOutput: () => {} });
    container.emit('port', 3000, 'open', 'http://localhost:3000');
    let started = false;
    const second = runtime.start('serve v2', { onOutput: () => {} }).then((process) => ((started = true), process));
    await new Promise((resolve) => setTimeout(resolve, 50));
    // The old server got its kill, and while its port is still open the new one waits.
    expect(container.spawned.map((s) => [s.args[1], s.killed])).toEqual([['serve v1', true]]);
    expect(await first.exit).toBe(143);
    expect(started).toBe(false);
    container.emit('port', 3000, 'close', 'http://localhost:3000');
    await second;
    expect(container.spawned.map((s) => [s.args[1], s.killed])).toEqual([['serve v1', true], ['serve v2', false]]);
  });

  it('starts at once when nothing runs, and a server that already ended is not waited for', async () => {
    const container = new FakeContainer();
    const runtime = new WebContainerRuntime({ load: loaderFor(container), probe: reachable });
    await runtime.start('build once', { onOutput: () => {} });
    await new Promise((resolve) => setTimeout(resolve, 10));
    const begun = Date.now();
    await runtime.start('serve v1', { onOutput: () => {} });
    expect(Date.now() - begun).toBeLessThan(500);
    expect(container.spawned.map((s) => s.killed)).toEqual([false, false]);
  });
});
