import type { UIMessage } from 'ai';
import { describe, expect, it, vi } from 'vitest';
import { FakeRuntime } from '../../../tests/fakes/fake-runtime';
import { FakeSandboxApi } from '../../../tests/fakes/fake-sandbox-api';
import type { RuntimeRecord } from '../runtime/records';
import { Workbench } from './workbench';

const answer =
  'Intro text. <boltArtifact id="p" title="P"><boltAction type="file" filePath="src/a.js">let a = 1;</boltAction><boltAction type="shell">npm test</boltAction></boltArtifact> Outro.';

const assistant = (id: string, text: string, parts = 1): UIMessage => {
  const size = Math.ceil(text.length / parts);
  return { id, role: 'assistant', parts: Array.from({ length: parts }, (_, i) => ({ type: 'text' as const, text: text.slice(i * size, (i + 1) * size) })) };
};
const user = (text = 'build'): UIMessage => ({ id: 'u1', role: 'user', parts: [{ type: 'text', text }] });

function setup(options: { browser?: FakeRuntime; cloud?: FakeRuntime; record?: RuntimeRecord } = {}) {
  const browser = options.browser ?? new FakeRuntime();
  const cloud = options.cloud ?? new FakeRuntime({ kind: 'cloud' });
  const saved: RuntimeRecord[] = [];
  const wb = new Workbench({ project: 'chat1', createBrowserRuntime: () => browser, createCloudRuntime: () => cloud, runtimeRecord: options.record, saveRuntimeRecord: (r) => saved.push(r) });
  return { wb, browser, cloud, saved };
}

const settle = () => new Promise((r) => setTimeout(r, 5));

describe('Workbench', () => {
  it('feeds a growing message to the parser and runner, and lays out prose around the artifact card', async () => {
    const { wb, browser } = setup();
    for (let n = 1; n <= answer.length; n += 9) wb.update([user(), assistant('a1', answer.slice(0, n))], true);
    wb.update([user(), assistant('a1', answer, 3)], false);
    await wb.runner.idle();
    expect(wb.files.files.get()).toEqual({ 'src/a.js': 'let a = 1;\n' });
    expect(wb.selectedFile.get()).toBe('src/a.js');
    expect(browser.files['src/a.js']).toBe('let a = 1;\n');
    expect(browser.log).toContain('exec npm test');
    const blocks = wb.blocks.get().a1;
    expect(blocks.map((b) => b.type)).toEqual(['text', 'artifact', 'text']);
    expect(blocks[0]).toEqual({ type: 'text', text: 'Intro text. ' });
    expect(blocks[2]).toEqual({ type: 'text', text: ' Outro.' });
    expect(wb.runtime.state.get()).toEqual({ state: 'ready', kind: 'browser' });
  });

  it('restores a saved chat without running its commands again', async () => {
    const { wb, browser } = setup();
    wb.restore([user(), assistant('a1', answer)], { 'src/a.js': 'let a = 2; // edited' }, { 'a1:1': { state: 'failed', error: 'exit 1' } });
    await wb.runner.idle();
    await settle();
    expect(browser.log).toEqual(['write src/a.js']); // the saved project copied in; `npm test` is not an install or a start
    expect(browser.files['src/a.js']).toBe('let a = 2; // edited');
    expect(Object.values(wb.runner.actions.get()).map((a) => a.status.state)).toEqual(['complete', 'failed']);
    wb.update([user(), assistant('a1', answer)], false);
    await wb.runner.idle();
    expect(browser.log).toEqual(['write src/a.js']);
  });

  it('falls back to the cloud once when the browser runtime cannot start, with a message saying why', async () => {
    const { wb, cloud, saved } = setup({ browser: new FakeRuntime({ failBoot: 'no network' }) });
    wb.update([user(), assistant('a1', answer)], false);
    await wb.runner.idle();
    await settle();
    expect(cloud.log).toEqual(['write src/a.js', 'exec npm test', 'done npm test']);
    expect(wb.runtime.routing.get()).toMatchObject({ target: 'cloud', source: 'fallback', note: expect.stringMatching(/because the in-browser runtime could not start \(no network\)/) });
    expect(saved.at(-1)).toMatchObject({ fallbackUsed: true, fallbackReason: 'the in-browser runtime could not start (no network)' });
    // After a reload the status still says why.
    const again = setup({ record: saved.at(-1) });
    expect(again.wb.runtime.routing.get()).toMatchObject({ target: 'cloud', source: 'fallback', note: 'Moved to a cloud sandbox because the in-browser runtime could not start (no network).' });
    expect(wb.terminal.chunks.get().join('')).toMatch(/Moved to a cloud sandbox/);
  });

  it('falls back as soon as the browser cannot start, while the answer still streams: the files reach the sandbox before any command', async () => {
    const { wb, cloud } = setup({ browser: new FakeRuntime({ failBoot: 'no network' }) });
    const streaming = answer.slice(0, answer.indexOf('<boltAction type="shell">'));
    wb.update([user(), assistant('a1', streaming)], true);
    await settle();
    await settle();
    // No command has asked for a runtime yet, and the sandbox is already there with the files so far.
    expect(wb.runtime.routing.get()).toMatchObject({ target: 'cloud', source: 'fallback' });
    expect(wb.runtime.state.get()).toEqual({ state: 'ready', kind: 'cloud' });
    expect(cloud.log).toEqual(['write src/a.js']);
    wb.update([user(), assistant('a1', answer)], false);
    await wb.runner.idle();
    expect(cloud.log.filter((l) => l.startsWith('exec'))).toEqual(['exec npm test']);
  });

  it('does not fall back when the user chose the browser, and fails the command with the reason', async () => {
    const { wb, cloud } = setup({ browser: new FakeRuntime({ failBoot: 'no network' }), record: { choice: 'browser' } });
    wb.update([user(), assistant('a1', answer)], false);
    await wb.runner.idle();
    expect(cloud.log).toEqual([]);
    expect(wb.runtime.state.get()).toMatchObject({ state: 'unavailable', message: expect.stringMatching(/^The in-browser runtime could not start: no network\./) });
    expect(wb.files.files.get()['src/a.js']).toBe('let a = 1;\n');
    const shell = Object.values(wb.runner.actions.get()).find((a) => a.type === 'shell')!;
    expect(shell.status).toMatchObject({ state: 'failed', error: expect.stringMatching(/could not start: no network/) });
  });

  it('creates the cloud runtime as soon as the router says cloud, while the answer streams', async () => {
    const { wb, browser, cloud } = setup();
    const pkg = '<boltArtifact id="s" title="S"><boltAction type="file" filePath="package.json">{"dependencies":{"bcrypt":"^5.1.1","express":"^4"}}</boltAction><boltAction type="file" filePath="server.js">';
    wb.update([user('a signup API'), assistant('a1', pkg)], true);
    await settle();
    expect(wb.runtime.routing.get()).toMatchObject({ target: 'cloud', reasons: ['bcrypt is a native addon, which the browser runtime cannot load'] });
    // The project was on its way to the browser until package.json named a native addon.
    expect(browser.log.filter((l) => l.startsWith('exec'))).toEqual([]);
    expect(cloud.log).toContain('write package.json');
    expect(wb.runtime.state.get()).toEqual({ state: 'ready', kind: 'cloud' });
  });

  it('falls back when a command fails in the browser with a native-addon error, replaying install and start in the cloud', async () => {
    const browser = new FakeRuntime();
    browser.scripts.set('npm install', { output: 'bcrypt_lib.node: invalid ELF header\n', exitCode: 1 });
    const { wb, cloud } = setup({ browser });
    const text = '<boltArtifact id="s" title="S"><boltAction type="file" filePath="package.json">{"scripts":{"start":"node s.js"}}</boltAction><boltAction type="shell">npm install</boltAction><boltAction type="start">npm start</boltAction></boltArtifact>';
    wb.update([user(), assistant('a1', text)], false);
    await wb.runner.idle();
    await settle();
    expect(wb.runtime.routing.get()).toMatchObject({ target: 'cloud', source: 'fallback', reasons: ['a native Node addon could not be loaded in the browser runtime'] });
    expect(cloud.log).toEqual(expect.arrayContaining(['write package.json', 'exec npm install', 'start npm start']));
  });

  it('reports a replayed install that fails and a replayed server that crashes as problems', async () => {
    const browser = new FakeRuntime();
    browser.scripts.set('npm install', { output: 'bcrypt_lib.node: invalid ELF header\n', exitCode: 1 });
    const cloud = new FakeRuntime({ kind: 'cloud' });
    const { wb } = setup({ browser, cloud });
    const text = '<boltArtifact id="s" title="S"><boltAction type="file" filePath="package.json">{"scripts":{"start":"node s.js"}}</boltAction><boltAction type="shell">npm install</boltAction><boltAction type="start">npm start</boltAction></boltArtifact>';
    wb.update([user(), assistant('a1', text)], false);
    await wb.runner.idle();
    // The fallback replays install and start in the cloud; the replayed server then crashes.
    await vi.waitFor(() => expect(cloud.servers.map((s) => s.command)).toContain('npm start'));
    // (The one that runs now: a later start stops an earlier one.)
    cloud.servers.findLast((s) => s.command === 'npm start')!.finish(1);
    await vi.waitFor(() => expect(wb.problems.active.get().map((p) => p.message)).toContain('`npm start` exited with code 1'));

    // A replayed install that fails is a problem too.
    const failing = new FakeRuntime({ kind: 'cloud' });
    failing.scripts.set('npm install', { output: 'npm ERR! 404 Not Found - left-pad-nope\n', exitCode: 1 });
    const again = setup({ cloud: failing });
    again.wb.update([user(), assistant('a1', text.replace('<boltAction type="shell">npm install</boltAction><boltAction type="start">npm start</boltAction>', ''))], false);
    await again.wb.runner.idle();
    again.wb.runtime.choose('cloud');
    await vi.waitFor(() => expect(again.wb.problems.active.get()).toEqual([expect.objectContaining({ kind: 'command', message: '`npm install` exited with code 1', output: 'npm ERR! 404 Not Found - left-pad-nope' })]));
  });

  it('installs early where the runtime can, once package.json is complete, while the answer streams', async () => {
    const early: string[] = [];
    const cloud = new FakeRuntime({ kind: 'cloud' });
    // The runtime installs for the package.json it has: record which one that was.
    cloud.capabilities = { installEarly: async () => (early.push(cloud.files['package.json']), { exitCode: 0 }) };
    const { wb } = setup({ cloud });
    const pkg = '<boltArtifact id="s" title="S"><boltAction type="file" filePath="package.json">{"dependencies":{"bcrypt":"^5.1.1"}}</boltAction><boltAction type="file" filePath="server.js">';
    wb.update([user('a signup API with bcrypt'), assistant('a1', pkg)], true);
    await vi.waitFor(() => expect(early).toEqual(['{"dependencies":{"bcrypt":"^5.1.1"}}\n']));
    expect(wb.terminal.chunks.get().join('')).toMatch(/started early, while the answer streams/);
  });

  it('reads files made by commands back into the project where the runtime has them, never over a write still on its way', async () => {
    const cloud = new FakeRuntime({ kind: 'cloud' });
    cloud.capabilities = { readBack: true };
    const { wb } = setup({ cloud, record: { choice: 'cloud' } });
    cloud.files['package-lock.json'] = '{"lockfileVersion":3}';
    wb.update([user(), assistant('a1', answer)], false);
    await wb.runner.idle();
    await vi.waitFor(() => expect(wb.files.files.get()['package-lock.json']).toBe('{"lockfileVersion":3}'));
    expect(wb.files.files.get()['src/a.js']).toBe('let a = 1;\n');

    // An edit on its way to the runtime is newer than what a command left there.
    let land!: () => void;
    cloud.writeGate = new Promise((resolve) => (land = resolve));
    wb.editFile('src/a.js', 'let a = 4;');
    await vi.waitFor(() => expect(cloud.batches.at(-1)).toEqual(['src/a.js']));
    await wb.sync.readBack();
    expect(wb.files.files.get()['src/a.js']).toBe('let a = 4;');
    land();
    await wb.sync.flush();
    expect(cloud.files['src/a.js']).toBe('let a = 4;');
    // Once the runtime has the store's version, a command's change to it comes back.
    cloud.files['src/a.js'] = 'let a = 4; // formatted';
    await wb.sync.readBack();
    expect(wb.files.files.get()['src/a.js']).toBe('let a = 4; // formatted');
  });

  it('copies a file the answer writes after a command into the runtime only after that command ran', async () => {
    const { wb, browser } = setup();
    const text = '<boltArtifact id="v" title="V"><boltAction type="shell">npx scaffold .</boltAction><boltAction type="file" filePath="src/App.jsx">export default 1;</boltAction><boltAction type="shell">npm test</boltAction></boltArtifact>';
    wb.update([user(), assistant('a1', text)], false);
    await wb.runner.idle();
    expect(browser.log).toEqual(['exec npx scaffold .', 'done npx scaffold .', 'write src/App.jsx', 'exec npm test', 'done npm test']);
  });

  it('reads nothing back from a runtime that does not offer it', async () => {
    const { wb, browser } = setup();
    browser.files['made-by-a-command.txt'] = 'x';
    wb.update([user(), assistant('a1', answer)], false);
    await wb.runner.idle();
    await settle();
    expect(wb.files.files.get()).toEqual({ 'src/a.js': 'let a = 1;\n' });
  });

  it('offers to recreate a sandbox that is gone, and recreates it from the saved files', async () => {
    const api = new FakeSandboxApi();
    api.gone = true;
    vi.stubGlobal('fetch', api.fetch);
    try {
      const saved: RuntimeRecord[] = [];
      const real = new Workbench({ project: 'chat1', createBrowserRuntime: () => new FakeRuntime(), runtimeRecord: { sandboxId: 'sb1', fallbackUsed: true }, saveRuntimeRecord: (r) => saved.push(r) });
      real.restore([user(), assistant('a1', answer)], { 'src/a.js': 'x' }, {});
      await vi.waitFor(() => expect(real.runtime.state.get()).toMatchObject({ state: 'unavailable', gone: true }));
      api.gone = false;
      real.runtime.recreate();
      await vi.waitFor(() => expect(real.runtime.state.get()).toMatchObject({ state: 'ready', kind: 'cloud' }));
      expect(api.count('POST', '/api/sandboxes')).toBe(1);
      expect(api.files.get('src/a.js')).toBe('x');
      expect(saved.at(-1)).toMatchObject({ sandboxId: 'sb1' });
    } finally {
      vi.unstubAllGlobals();
    }
  });

  it('moves to the cloud while the answer streams when the registry says a dependency is native, and keeps the lists when it never answers', async () => {
    const pkg = '<boltArtifact id="z" title="Z"><boltAction type="file" filePath="package.json">{"dependencies":{"zeromq":"^6.0.0","react":"^18.0.0"}}</boltAction><boltAction type="file" filePath="worker.js">const zmq';
    let answerRegistry: (found: Record<string, { name: string; needsServer: string | null } | null>) => void = () => {};
    const asked: string[][] = [];
    const browser = new FakeRuntime();
    const cloud = new FakeRuntime({ kind: 'cloud' });
    const wb = new Workbench({
      project: 'chat1',
      createBrowserRuntime: () => browser,
      createCloudRuntime: () => cloud,
      lookupPackages: (names) => {
        asked.push(names);
        return new Promise((resolve) => (answerRegistry = resolve));
      },
    });
    wb.update([user('a job queue worker'), assistant('a1', pkg)], true);
    wb.update([user('a job queue worker'), assistant('a1', pkg + ' = 1;')], true);
    // The lists decide while the registry is asked (once per package), and the stream goes on.
    expect(asked).toEqual([['zeromq@^6.0.0', 'react@^18.0.0']]);
    expect(wb.runtime.routing.get().target).toBe('browser');
    answerRegistry({ zeromq: { name: 'zeromq', needsServer: 'zeromq compiles a native addon when it installs' }, react: null });
    await settle();
    expect(wb.runtime.routing.get()).toMatchObject({ target: 'cloud', reasons: ['zeromq compiles a native addon when it installs'], hard: true });
    expect(wb.runtime.state.get()).toMatchObject({ kind: 'cloud' });

    // A fact that arrives after the answer has finished: the app is installed and started again in the cloud.
    let late: (found: Record<string, { name: string; needsServer: string | null } | null>) => void = () => {};
    const lateCloud = new FakeRuntime({ kind: 'cloud' });
    const after = new Workbench({ project: 'chat3', createBrowserRuntime: () => new FakeRuntime(), createCloudRuntime: () => lateCloud, lookupPackages: () => new Promise((resolve) => (late = resolve)) });
    after.update([user('a job queue worker'), assistant('a1', pkg + ' = 1;</boltAction><boltAction type="shell">npm install</boltAction><boltAction type="start">node worker.js</boltAction></boltArtifact>')], false);
    await after.runner.idle();
    late({ zeromq: { name: 'zeromq', needsServer: 'zeromq compiles a native addon when it installs' } });
    await vi.waitFor(() => expect(lateCloud.log).toEqual(expect.arrayContaining(['exec npm install', 'start node worker.js'])));

    const silent = new Workbench({ project: 'chat2', createBrowserRuntime: () => new FakeRuntime(), lookupPackages: () => new Promise(() => {}) });
    silent.update([user('a job queue worker'), assistant('a1', pkg + ' = 1;</boltAction></boltArtifact>')], false);
    await silent.runner.idle();
    expect(silent.runtime.routing.get().target).toBe('browser');
  });

  it("follows the user's explicit choice", async () => {
    const { wb, cloud, saved } = setup();
    wb.update([user(), assistant('a1', answer)], false);
    await wb.runner.idle();
    wb.runtime.choose('cloud');
    await settle();
    expect(saved.at(-1)).toMatchObject({ choice: 'cloud' });
    expect(wb.runtime.routing.get()).toMatchObject({ target: 'cloud', source: 'user' });
    expect(cloud.files['src/a.js']).toBe('let a = 1;\n');
  });

  it('writes user edits through to a ready runtime', async () => {
    const { wb, browser } = setup();
    wb.update([user(), assistant('a1', answer)], false);
    await wb.runner.idle();
    wb.editFile('src/a.js', 'let a = 3;');
    await settle();
    expect(wb.files.files.get()['src/a.js']).toBe('let a = 3;');
    expect(browser.files['src/a.js']).toBe('let a = 3;');
  });

  it('Stop closes the streaming file as incomplete and aborts queued commands', async () => {
    const { wb } = setup();
    const partial = answer.slice(0, answer.indexOf('let a') + 5);
    wb.update([user(), assistant('a1', partial)], true);
    wb.stop([user(), assistant('a1', partial)]);
    await wb.runner.idle();
    const file = Object.values(wb.runner.actions.get())[0];
    expect(file.status).toMatchObject({ state: 'failed', error: expect.stringMatching(/ended before/) });
    expect(wb.files.files.get()['src/a.js']).toBe('let a');
  });

  it("lays out an agent answer's tool calls between its prose, and its file writes reach the runtime like any other", async () => {
    const { wb, browser } = setup();
    const part = (id: string, state: 'input-available' | 'output-available') => ({ type: 'tool-write_file' as const, toolCallId: id, state, input: { path: 'src/b.js', content: 'let b = 1;' }, ...(state === 'output-available' ? { output: { path: 'src/b.js' } } : {}) });
    const message = (parts: UIMessage['parts']): UIMessage => ({ id: 'a1', role: 'assistant', parts });
    wb.update([user(), message([{ type: 'step-start' }, { type: 'text', text: 'Writing b. ' }, part('t1', 'input-available') as never])], true);
    wb.editFile('src/b.js', 'the user typed this first');
    expect(await wb.tools.execute('write_file', { path: 'src/b.js', content: 'let b = 1;' }, new AbortController().signal)).toMatchObject({ created: false });
    expect(wb.selectedFile.get()).toBe('src/b.js');
    wb.update([user(), message([{ type: 'step-start' }, { type: 'text', text: 'Writing b. ' }, part('t1', 'output-available') as never, { type: 'step-start' }, { type: 'text', text: 'Done.' }])], false);
    expect(wb.blocks.get().a1).toEqual([{ type: 'text', text: 'Writing b. ' }, { type: 'tool', toolCallId: 't1' }, { type: 'text', text: 'Done.' }]);
    await wb.runtime.awaitRuntime();
    await settle();
    expect(browser.files['src/b.js']).toBe('let b = 1;');
    // The agent's write replaces the user's edit: the next request does not call the file an edit.
    expect(wb.takeRequestContext('next').edited).toEqual([]);
  });

  it("restores an agent answer's cards, and counts only later changes as the user's edits", () => {
    const { wb } = setup();
    const agentAnswer: UIMessage = {
      id: 'a1',
      role: 'assistant',
      parts: [
        { type: 'text', text: 'Fixing. ' },
        { type: 'tool-write_file', toolCallId: 't1', state: 'output-available', input: { path: 'sum.js', content: 'a - b' }, output: { path: 'sum.js' } },
        { type: 'tool-edit_file', toolCallId: 't2', state: 'output-available', input: { path: 'sum.js', oldText: '-', newText: '+' }, output: { path: 'sum.js', line: 1 } },
        { type: 'tool-write_file', toolCallId: 't3', state: 'output-available', input: { path: 'other.js', content: 'x' }, output: { path: 'other.js' } },
      ] as UIMessage['parts'],
    };
    wb.restore([user(), agentAnswer], { 'sum.js': 'a + b', 'other.js': 'x changed by the user' }, {});
    expect(wb.blocks.get().a1.map((b) => b.type)).toEqual(['text', 'tool', 'tool', 'tool']);
    expect(wb.takeRequestContext('next').edited).toEqual(['other.js']);
  });

  it('takes up an ended answer again when it goes on (an agent step retried after an error)', () => {
    const { wb } = setup();
    const step1: UIMessage = { id: 'a1', role: 'assistant', parts: [{ type: 'text', text: 'Running. ' }, { type: 'tool-get_problems', toolCallId: 't1', state: 'output-available', input: {}, output: { problems: [] } } as never] };
    wb.stop([user(), step1]);
    const step2: UIMessage = { ...step1, parts: [...step1.parts, { type: 'step-start' }, { type: 'text', text: 'Nothing failed.' }] };
    wb.update([user(), step2], false);
    expect(wb.blocks.get().a1).toEqual([{ type: 'text', text: 'Running. ' }, { type: 'tool', toolCallId: 't1' }, { type: 'text', text: 'Nothing failed.' }]);
    // Unchanged, it stays as it is.
    wb.update([user(), step2], false);
    expect(wb.blocks.get().a1).toHaveLength(3);
  });
});
