import 'fake-indexeddb/auto';
import type { UIMessage } from 'ai';
import { describe, expect, it } from 'vitest';
import { FakeRuntime } from '../../../tests/fakes/fake-runtime';
import { Workbench } from '../stores/workbench';
import { VersionHistory } from './version-history';

let chats = 0;
const HEALTH_MS = 60;

const user = (id: string, text: string): UIMessage => ({ id, role: 'user', parts: [{ type: 'text', text }] });
const assistant = (id: string, text: string): UIMessage => ({ id, role: 'assistant', parts: [{ type: 'text', text }] });
const answer = (files: Record<string, string>, extra = '') =>
  `Done. <boltArtifact id="a" title="A">${Object.entries(files)
    .map(([path, content]) => `<boltAction type="file" filePath="${path}">${content}</boltAction>`)
    .join('')}${extra}</boltArtifact>`;

/** A fake sandbox's own state: its files outside `keep`, as JSON bytes (the real one is a gzip tar). */
function withState(runtime: FakeRuntime) {
  const data: Record<string, string> = {};
  const restored: string[] = [];
  runtime.capabilities = {
    ...runtime.capabilities,
    state: {
      capture: async (keep) => {
        const kept = Object.fromEntries(Object.entries(data).filter(([path]) => !keep.includes(path)));
        return { archive: new TextEncoder().encode(JSON.stringify(kept)), files: Object.keys(kept).length };
      },
      restore: async (archive) => {
        // As the server does: the app's server is killed before its data is replaced.
        const running = runtime.servers.at(-1);
        if (running && !running.ended) running.finish(137);
        for (const path of Object.keys(data)) delete data[path];
        Object.assign(data, JSON.parse(new TextDecoder().decode(archive)));
        restored.push(JSON.stringify(data));
      },
    },
  };
  return { data, restored };
}

function setup(options: { locked?: string[]; kind?: 'browser' | 'cloud' } = {}) {
  // As a Local sandbox does, a replaced server is killed (137): a restore's restart must not count it as a failure.
  const runtime = new FakeRuntime({ kind: options.kind ?? 'browser', replacedExitCode: 137 });
  const history = new VersionHistory(`checkpoints-${++chats}`);
  void history.load();
  const wb = new Workbench({
    project: history.chatId,
    createBrowserRuntime: () => runtime,
    createCloudRuntime: () => runtime,
    runtimeRecord: options.kind === 'cloud' ? { choice: 'cloud' } : undefined,
    versions: history,
    locked: options.locked,
    workingAfterMs: HEALTH_MS,
  });
  const messages: UIMessage[] = [];
  /** One turn: the request and its answer, fed as a finished stream; resolves once its version is stored. */
  const turn = async (request: string, text: string) => {
    const count = history.versions.get().length;
    const n = messages.length;
    messages.push(user(`u${n}`, request), assistant(`a${n}`, text));
    wb.update(messages, false);
    await wb.runner.idle();
    await until(() => history.versions.get().length > count);
    return history.latest()!;
  };
  return { wb, runtime, history, turn };
}

async function until(check: () => boolean, ms = 3000) {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe('versions made by turns', () => {
  it('a settled turn becomes a version labelled with its request, working once the app has run without problems', async () => {
    const { history, turn } = setup();
    const v1 = await turn('Build a counter\nwith two buttons', answer({ 'index.html': '<h1>1</h1>\n' }, '<boltAction type="start">npm run dev</boltAction>'));
    expect(v1).toMatchObject({ seq: 1, kind: 'turn', label: 'Build a counter', messageId: 'a0', health: { state: 'unknown' } });
    expect(v1.changes).toEqual([{ path: 'index.html', status: 'added', added: 1, removed: 0 }]);
    await until(() => history.get(1)?.health.state === 'ok');
  });

  it('a turn whose command fails is marked failed with the problem, and the last working version is the one before', async () => {
    const { history, runtime, turn } = setup();
    await turn('Build it', answer({ 'a.txt': 'one\n' }));
    await until(() => history.get(1)?.health.state === 'ok');
    runtime.scripts.set('npm test', { exitCode: 1, output: 'Error: 3 tests failed\n' });
    await turn('Add tests', answer({ 'a.txt': 'two\n' }, '<boltAction type="shell">npm test</boltAction>'));
    await until(() => history.get(2)?.health.state === 'failed');
    expect(history.get(2)?.health).toEqual({ state: 'failed', problem: expect.stringContaining('npm test') });
    expect(history.lastWorking(2)?.seq).toBe(1);
  });
});

describe('restoring a version', () => {
  it('brings its files back into the store and the runtime, restarts the app, keeps unsaved edits as a checkpoint, and tells the model', async () => {
    const { wb, history, runtime, turn } = setup();
    await turn('Build it', answer({ 'a.txt': 'one\n', 'b.txt': 'b\n' }, '<boltAction type="start">node server.js</boltAction>'));
    await turn('Change it', answer({ 'a.txt': 'two\n', 'c.txt': 'new\n' }));
    wb.editFile('a.txt', 'two, edited by hand\n');
    const restored = await wb.restoreVersion(1);

    expect(wb.files.snapshot()).toEqual({ 'a.txt': 'one\n', 'b.txt': 'b\n' });
    expect(runtime.files).toEqual({ 'a.txt': 'one\n', 'b.txt': 'b\n' });
    expect(history.versions.get().map((v) => [v.seq, v.kind, v.label])).toEqual([
      [1, 'turn', 'Build it'],
      [2, 'turn', 'Change it'],
      [3, 'checkpoint', 'Before restoring v1'],
      [4, 'restore', 'Restored v1'],
    ]);
    expect(restored.from).toBe(1);
    expect(await history.filesOf(3)).toMatchObject({ 'a.txt': 'two, edited by hand\n' });
    // The app's start command ran again (the runtime's start replaces the running server), and that is no failure.
    expect(runtime.log.filter((l) => l.startsWith('start')).length).toBe(2);
    await until(() => history.get(4)?.health.state === 'ok');
    expect(wb.problems.active.get()).toEqual([]);
    const context = wb.takeRequestContext('what now');
    expect(context.notes?.[0]).toBe('The user restored the project to version 1 ("Build it"): every file is as it was then, so changes made after that version are undone.');
    expect(context.edited).toEqual([]);

    // Undo: back to the checkpoint, the hand edit included.
    await wb.checkpoints!.undoRestore();
    expect(wb.files.snapshot()['a.txt']).toBe('two, edited by hand\n');
    expect(history.latest()).toMatchObject({ seq: 5, kind: 'restore', from: 3 });
  });

  it('leaves locked files as they are unless asked, and never deletes one', async () => {
    const { wb, turn } = setup({ locked: ['keep.md'] });
    await turn('Build it', answer({ 'a.txt': 'one\n' }));
    wb.setLocked('keep.md', false);
    await turn('More', answer({ 'a.txt': 'two\n', 'keep.md': 'mine\n' }));
    wb.setLocked('keep.md', true);
    await wb.restoreVersion(1);
    expect(wb.files.snapshot()).toEqual({ 'a.txt': 'one\n', 'keep.md': 'mine\n' });
    await wb.restoreVersion(2);
    wb.editFile('keep.md', 'mine, edited\n');
    await wb.restoreVersion(1, { includeLocked: true });
    expect(wb.files.snapshot()).toEqual({ 'a.txt': 'one\n' });
  });

  it('in a cloud sandbox, keeps the app data with each version and puts it back on restore', async () => {
    const { wb, history, runtime, turn } = setup({ kind: 'cloud' });
    const sandbox = withState(runtime);
    await turn('Build it', answer({ 'server.js': 'v1\n' }, '<boltAction type="start">node server.js</boltAction>'));
    expect(history.get(1)?.state).toMatchObject({ kind: 'archive', files: 0 });
    sandbox.data['data/app.sqlite'] = 'rows: alpha, beta';
    await turn('Rename it', answer({ 'server.js': 'v2\n' }));
    expect(history.get(2)?.state).toMatchObject({ kind: 'archive', files: 1 });

    await wb.restoreVersion(1);
    expect(sandbox.data).toEqual({});
    // Nothing changed since v2 (files and data): no checkpoint before the restore.
    expect(history.versions.get().map((v) => v.kind)).toEqual(['turn', 'turn', 'restore']);
    expect(history.get(3)?.state).toEqual(history.get(1)?.state);
    // The server killed for the restore is no failure: the restore's version works.
    await until(() => history.get(3)?.health.state === 'ok');
    expect(wb.problems.active.get()).toEqual([]);
    expect(Object.values(wb.runner.actions.get()).map((a) => a.status.state)).not.toContain('failed');
    await wb.checkpoints!.undoRestore();
    expect(sandbox.data).toEqual({ 'data/app.sqlite': 'rows: alpha, beta' });
    expect(runtime.files['server.js']).toBe('v2\n');
  });

  it('with no app data now and none with the version, the restore leaves the sandbox’s state alone', async () => {
    const { wb, history, runtime, turn } = setup({ kind: 'cloud' });
    const sandbox = withState(runtime);
    await turn('Build it', answer({ 'server.js': 'v1\n' }, '<boltAction type="start">node server.js</boltAction>'));
    await turn('Rename it', answer({ 'server.js': 'v2\n' }));
    await wb.restoreVersion(1);
    expect(sandbox.restored).toEqual([]);
    expect(runtime.files['server.js']).toBe('v1\n');
    expect(history.latest()?.state).toEqual(history.get(1)?.state);
  });

  it('a capture that fails keeps the version and says why it has no app data', async () => {
    const { history, runtime, turn } = setup({ kind: 'cloud' });
    runtime.capabilities = { state: { capture: () => Promise.reject(new Error("The sandbox's state is 27.3 MB compressed, over the 20 MB a version may keep (SANDBOX_STATE_MAX_MB).")), restore: async () => {} } };
    const v1 = await turn('Build it', answer({ 'a.txt': 'one\n' }));
    expect(v1.state).toEqual({ kind: 'notKept', reason: expect.stringContaining('over the 20 MB a version may keep') });
    expect(await history.filesOf(1)).toEqual({ 'a.txt': 'one\n' });
  });
});

describe('locked files', () => {
  it('the runner refuses a model write to a locked file, the card says so, and the next request tells the model', async () => {
    const { wb, runtime, turn } = setup();
    await turn('Build it', answer({ 'notes.md': 'mine\n', 'a.txt': 'one\n' }));
    wb.setLocked('notes.md', true);
    await turn('Rewrite all', answer({ 'notes.md': 'overwritten\n', 'a.txt': 'two\n' }));
    expect(wb.files.snapshot()).toEqual({ 'notes.md': 'mine\n', 'a.txt': 'two\n' });
    expect(runtime.files['notes.md']).toBe('mine\n');
    const refused = Object.values(wb.runner.actions.get()).findLast((a) => a.filePath === 'notes.md')!;
    expect(refused.status).toEqual({ state: 'failed', error: "notes.md is locked: the model's version was not written (unlock the file to let the model change it)." });
    const context = wb.takeRequestContext('next');
    expect(context.locked).toEqual(['notes.md']);
    expect(context.notes).toEqual(['Your last answer wrote files the user locked; they were not changed: notes.md.']);
    expect(wb.takeRequestContext('again').notes).toBeUndefined();
  });

  it('the agent’s tools refuse to write or edit a locked file', async () => {
    const { wb, turn } = setup();
    await turn('Build it', answer({ 'notes.md': 'mine\n' }));
    wb.setLocked('notes.md', true);
    const signal = new AbortController().signal;
    const refusal = 'notes.md is locked by the user: it was not changed. Leave it as it is, or ask the user to unlock it.';
    await expect(wb.tools.execute('write_file', { path: 'notes.md', content: 'x' }, signal)).rejects.toThrow(refusal);
    await expect(wb.tools.execute('edit_file', { path: 'notes.md', oldText: 'mine', newText: 'x' }, signal)).rejects.toThrow(refusal);
    expect(wb.files.snapshot()['notes.md']).toBe('mine\n');
  });

  it('a command that changes a locked file in the runtime gets the locked content back', async () => {
    const { wb, runtime, turn } = setup({ kind: 'cloud' });
    runtime.capabilities = { readBack: true };
    await turn('Build it', answer({ 'notes.md': 'mine\n' }));
    wb.setLocked('notes.md', true);
    runtime.files['notes.md'] = 'changed by a command\n';
    await wb.sync.readBack();
    await wb.sync.flush();
    await until(() => runtime.files['notes.md'] === 'mine\n');
    expect(wb.files.snapshot()['notes.md']).toBe('mine\n');
  });
});
