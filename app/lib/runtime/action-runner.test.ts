import { describe, expect, it } from 'vitest';
import { FakeRuntime } from '../../../tests/fakes/fake-runtime';
import { parseAnswer } from '../artifact/artifact-parser';
import { TerminalStore } from '../stores/terminal';
import { ActionRunner } from './action-runner';

function setup(runtime: FakeRuntime | null, reason = 'no runtime') {
  const files: Record<string, string> = {};
  const released: string[] = [];
  const terminal = new TerminalStore();
  const runner = new ActionRunner({
    files: {
      open: (path) => (files[path] = ''),
      append: (path, text) => (files[path] += text),
      release: (path, content) => {
        if (content !== undefined) files[path] = content;
        released.push(path);
        // One log with the runtime's, so the order of releases and commands shows.
        runtime?.log.push(`release ${path}`);
      },
    },
    terminal,
    awaitRuntime: async () => {
      if (!runtime) throw new Error(reason);
      await runtime.ready();
      return runtime;
    },
  });
  const feed = (text: string, messageId = 'm1') => {
    for (const event of parseAnswer(text, 7).events) runner.handle(messageId, event);
  };
  const states = () => Object.values(runner.actions.get()).map((a) => a.status);
  return { runner, files, released, terminal, feed, states };
}

const artifact = (body: string) => `<boltArtifact id="p" title="P">${body}</boltArtifact>`;
const file = (path: string, content: string) => `<boltAction type="file" filePath="${path}">${content}</boltAction>`;
const shell = (command: string) => `<boltAction type="shell">${command}</boltAction>`;
const start = (command: string) => `<boltAction type="start">${command}</boltAction>`;

describe('ActionRunner', () => {
  it('runs actions in order: a file is released to the runtime in its turn, before the command that follows it and after the one before', async () => {
    const runtime = new FakeRuntime();
    const { runner, feed, files, states } = setup(runtime);
    feed(artifact(file('package.json', '{}') + shell('npm install') + file('src/a.js', 'a') + shell('npm test')));
    await runner.idle();
    expect(runtime.log).toEqual(['release package.json', 'exec npm install', 'done npm install', 'release src/a.js', 'exec npm test', 'done npm test']);
    expect(files).toEqual({ 'package.json': '{}\n', 'src/a.js': 'a\n' });
    expect(states().every((s) => s.state === 'complete')).toBe(true);
  });

  it('fails a shell action on a non-zero exit code, shows the code, and goes on with the next', async () => {
    const runtime = new FakeRuntime();
    runtime.scripts.set('npm run build', { output: 'error TS2304\n', exitCode: 2 });
    const { runner, feed, terminal } = setup(runtime);
    feed(artifact(shell('npm run build') + shell('echo next')));
    await runner.idle();
    const [build, next] = Object.values(runner.actions.get());
    expect(build.status).toEqual({ state: 'failed', error: '`npm run build` exited with code 2' });
    expect(next.status.state).toBe('complete');
    expect(terminal.chunks.get().join('')).toContain('error TS2304');
    expect(terminal.chunks.get().join('')).toContain('exit code 2');
  });

  it('does not block on a start action: later actions run while the server keeps running', async () => {
    const runtime = new FakeRuntime();
    const { runner, feed } = setup(runtime);
    feed(artifact(start('npm run dev') + shell('echo after')));
    await runner.idle();
    expect(runtime.log).toEqual(['start npm run dev', 'exec echo after', 'done echo after']);
    expect(runtime.servers[0].killed).toBe(false);
    expect(Object.values(runner.actions.get()).map((a) => a.status.state)).toEqual(['complete', 'complete']);
  });

  it('reports a failed command and a crashed server as problems, with where and the output tail', async () => {
    const runtime = new FakeRuntime();
    runtime.scripts.set('npm run build', { output: 'src/App.tsx:3:7 - error TS2304: Cannot find name x\n', exitCode: 2 });
    const problems: unknown[] = [];
    const runner = new ActionRunner({ files: { open() {}, append() {}, release() {} }, terminal: new TerminalStore(), awaitRuntime: async () => runtime, onProblem: (p) => problems.push(p) });
    for (const event of parseAnswer(artifact(shell('npm run build') + start('node server.js')), 7).events) runner.handle('m1', event);
    await runner.idle();
    runtime.servers[0].finish(1);
    await new Promise((r) => setTimeout(r, 0));
    expect(problems).toEqual([
      { kind: 'command', origin: 'runtime', message: '`npm run build` exited with code 2', where: 'src/App.tsx:3', output: 'src/App.tsx:3:7 - error TS2304: Cannot find name x' },
      { kind: 'start', origin: 'runtime', message: '`node server.js` exited with code 1', where: undefined, output: 'serving node server.js' },
    ]);
    // A server stopped on purpose is not a problem.
    for (const event of parseAnswer(artifact(start('node again.js')), 7).events) runner.handle('m2', event);
    await runner.idle();
    runtime.servers[1].finish(143);
    await new Promise((r) => setTimeout(r, 0));
    expect(problems).toHaveLength(2);
  });

  it('marks a start action failed when its server exits with an error', async () => {
    const runtime = new FakeRuntime();
    const { runner, feed } = setup(runtime);
    feed(artifact(start('node server.js')));
    await runner.idle();
    runtime.servers[0].finish(1);
    await new Promise((r) => setTimeout(r, 0));
    expect(Object.values(runner.actions.get())[0].status).toEqual({ state: 'failed', error: '`node server.js` exited with code 1' });
  });

  it("a follow-up's start replaces the running server: the old one stops without failing its action or reporting a problem", async () => {
    const runtime = new FakeRuntime();
    const problems: unknown[] = [];
    const runner = new ActionRunner({ files: { open() {}, append() {}, release() {} }, terminal: new TerminalStore(), awaitRuntime: async () => runtime, onProblem: (p) => problems.push(p) });
    const feed = (text: string, messageId: string) => {
      for (const event of parseAnswer(text, 7).events) runner.handle(messageId, event);
    };
    feed(artifact(file('server.py', 'v1') + start('python3 server.py')), 'turn1');
    await runner.idle();
    feed(artifact(file('server.py', 'v2') + start('python3 server.py')), 'turn2');
    await runner.idle();
    await new Promise((r) => setTimeout(r, 0));
    expect(runtime.log.filter((line) => /^(start|stop) /.test(line))).toEqual(['start python3 server.py', 'stop python3 server.py', 'start python3 server.py']);
    expect(Object.values(runner.actions.get()).map((a) => a.status.state)).toEqual(['complete', 'complete', 'complete', 'complete']);
    expect(problems).toEqual([]);
    // The server that runs now is still watched: its crash fails its action and is a problem.
    runtime.servers[1].finish(1);
    await new Promise((r) => setTimeout(r, 0));
    expect(Object.values(runner.actions.get()).at(-1)!.status).toEqual({ state: 'failed', error: '`python3 server.py` exited with code 1' });
    expect(problems).toHaveLength(1);
  });

  it('abort kills the running command and marks queued actions aborted', async () => {
    const runtime = new FakeRuntime();
    let release!: () => void;
    runtime.scripts.set('npm install', { waitFor: new Promise<void>((r) => (release = r)) });
    const { runner, feed } = setup(runtime);
    feed(artifact(shell('npm install') + shell('npm run dev')));
    await new Promise((r) => setTimeout(r, 5));
    runner.abort();
    await runner.idle();
    release();
    expect(Object.values(runner.actions.get()).map((a) => a.status.state)).toEqual(['aborted', 'aborted']);
    expect(runtime.log).toContain('killed npm install');
    expect(runtime.log).not.toContain('exec npm run dev');
  });

  it('keeps files when the runtime is unavailable but fails commands with the reason', async () => {
    const { runner, feed, files } = setup(null, 'The in-browser runtime could not start: offline.');
    feed(artifact(file('index.html', '<h1>hi</h1>') + shell('npm install')));
    await runner.idle();
    const [write, install] = Object.values(runner.actions.get());
    expect(files['index.html']).toBe('<h1>hi</h1>\n');
    expect(write.status.state).toBe('complete');
    expect(install.status).toEqual({ state: 'failed', error: 'The in-browser runtime could not start: offline.' });
  });

  it('fails unsafe paths and incomplete actions with a visible reason; an unsafe path is never written, a cut file keeps what arrived', async () => {
    const runtime = new FakeRuntime();
    const { runner, feed, files, released } = setup(runtime);
    feed(artifact(file('../outside.txt', 'x')) + '<boltArtifact id="q" title="Q"><boltAction type="file" filePath="cut.js">half');
    await runner.idle();
    const [unsafe, cut] = Object.values(runner.actions.get());
    expect(unsafe.status).toMatchObject({ state: 'failed', error: expect.stringMatching(/leaves the project root/) });
    expect(cut.status).toMatchObject({ state: 'failed', error: expect.stringMatching(/ended before/) });
    expect(files).toEqual({ 'cut.js': 'half' });
    expect(released).toEqual(['cut.js']);
  });

  it('releases a file whose turn is aborted, so the runtime is not left without it', async () => {
    const runtime = new FakeRuntime();
    let finish!: () => void;
    runtime.scripts.set('npm install', { waitFor: new Promise<void>((r) => (finish = r)) });
    const { runner, feed, files, states } = setup(runtime);
    feed(artifact(shell('npm install') + file('src/a.js', 'a')));
    await new Promise((r) => setTimeout(r, 5));
    runner.abort();
    await runner.idle();
    finish();
    expect(states().map((s) => s.state)).toEqual(['aborted', 'aborted']);
    expect(files).toEqual({ 'src/a.js': 'a\n' });
    expect(runtime.log.filter((l) => l.startsWith('release'))).toEqual(['release src/a.js']);
  });

  it('restores saved states in replay mode without running anything', async () => {
    const runtime = new FakeRuntime();
    const { runner, files } = setup(runtime);
    const saved = { 'm1:0': { state: 'complete' as const }, 'm1:1': { state: 'failed' as const, error: 'exited with code 1' } };
    for (const event of parseAnswer(artifact(file('a.txt', 'a') + shell('false')), 5).events) runner.handle('m1', event, { saved });
    await runner.idle();
    expect(runtime.log).toEqual([]);
    expect(files).toEqual({});
    expect(Object.values(runner.actions.get()).map((a) => a.status)).toEqual([saved['m1:0'], saved['m1:1']]);
  });

  it('plans what a new runtime replays: the installs seen, the last start, or the package scripts', async () => {
    const { runner, feed } = setup(new FakeRuntime());
    expect(runner.replayPlan(undefined)).toEqual({ installs: [], start: undefined, startQueued: false });
    expect(runner.replayPlan('{"scripts":{"dev":"vite","start":"node s.js"}}')).toEqual({ installs: ['npm install'], start: 'npm run dev', startQueued: false });
    expect(runner.replayPlan('{"scripts":{"start":"node s.js"')).toEqual({ installs: [], start: undefined, startQueued: false }); // still streaming
    feed(artifact('<boltAction type="shell">npm install express</boltAction><boltAction type="shell">npm install express</boltAction><boltAction type="shell">npm test</boltAction><boltAction type="start">node server.js</boltAction>'));
    await runner.idle();
    expect(runner.replayPlan('{"scripts":{"dev":"vite"}}')).toEqual({ installs: ['npm install express'], start: 'node server.js', startQueued: false });
  });
});
