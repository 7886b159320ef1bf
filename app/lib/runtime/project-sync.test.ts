import { describe, expect, it, vi } from 'vitest';
import { FakeRuntime } from '../../../tests/fakes/fake-runtime';
import { FilesStore } from '../stores/files';
import { TerminalStore } from '../stores/terminal';
import { ProjectSync } from './project-sync';

function setup() {
  const files = new FilesStore();
  const terminal = new TerminalStore();
  const sync = new ProjectSync(files, terminal);
  const runtime = new FakeRuntime({ kind: 'cloud' });
  return { files, terminal, sync, runtime };
}

const tick = () => new Promise((r) => setTimeout(r, 5));

describe('ProjectSync', () => {
  it('loses no write made before a runtime is attached: attaching copies the whole project in one batch', async () => {
    const { files, sync, runtime } = setup();
    files.set('a.js', 'a');
    files.set('b.js', 'b');
    await tick();
    expect(runtime.batches).toEqual([]);
    await sync.attach(runtime);
    expect(runtime.batches).toEqual([['a.js', 'b.js']]);
    expect(runtime.files).toEqual({ 'a.js': 'a', 'b.js': 'b' });
  });

  it('copies only what changed since the last copy, changes of one turn in one batch', async () => {
    const { files, sync, runtime } = setup();
    files.set('a.js', 'a');
    files.set('b.js', 'b');
    await sync.attach(runtime);
    files.set('b.js', 'b2');
    files.set('c.js', 'c');
    files.set('b.js', 'b3');
    await vi.waitFor(() => expect(runtime.batches).toHaveLength(2));
    expect(runtime.batches[1]).toEqual(['b.js', 'c.js']);
    expect(runtime.files).toEqual({ 'a.js': 'a', 'b.js': 'b3', 'c.js': 'c' });
    files.remove('a.js');
    await vi.waitFor(() => expect(runtime.log.at(-1)).toBe('remove a.js'));
    expect(runtime.files).toEqual({ 'b.js': 'b3', 'c.js': 'c' });
  });

  it('does not queue a burst of edits behind a write on its way (the runtime merges them), and never sends a version twice', async () => {
    const { files, sync, runtime } = setup();
    await sync.attach(runtime);
    let land!: () => void;
    runtime.writeGate = new Promise((resolve) => (land = resolve));
    files.set('a.js', 'c');
    await vi.waitFor(() => expect(runtime.batches).toEqual([['a.js']]));
    files.set('b.js', 'b');
    await vi.waitFor(() => expect(runtime.batches).toEqual([['a.js'], ['b.js']]));
    files.set('a.js', 'const a = 1;');
    await vi.waitFor(() => expect(runtime.batches).toEqual([['a.js'], ['b.js'], ['a.js']]));
    const flushed = sync.flush();
    land();
    await flushed;
    expect(runtime.batches).toHaveLength(3);
    expect(runtime.files['a.js']).toBe('const a = 1;');
    expect(sync.inRuntime('a.js')).toBe('const a = 1;');
  });

  it('holds a file the model writes until it is released, then copies its final content', async () => {
    const { files, sync, runtime } = setup();
    await sync.attach(runtime);
    files.open('server.js');
    files.append('server.js', 'const x');
    files.append('server.js', ' = 1;');
    await sync.flush();
    await tick();
    expect(runtime.files).toEqual({});
    expect(sync.inRuntime('server.js')).toBeUndefined();
    files.release('server.js', 'const x = 1;\n');
    await sync.flush();
    expect(runtime.files).toEqual({ 'server.js': 'const x = 1;\n' });
    expect(sync.inRuntime('server.js')).toBe('const x = 1;\n');
  });

  it('keeps what failed to copy and copies it with the next batch; a background failure is shown in the terminal', async () => {
    const { files, sync, runtime, terminal } = setup();
    await sync.attach(runtime);
    runtime.failWrites = 'the sandbox did not answer';
    files.set('a.js', 'a');
    await vi.waitFor(() => expect(terminal.chunks.get().join('')).toMatch(/Could not copy files into the runtime: the sandbox did not answer/));
    await expect(sync.flush()).rejects.toThrow('the sandbox did not answer');
    runtime.failWrites = undefined;
    files.set('b.js', 'b');
    await sync.flush();
    expect(runtime.files).toEqual({ 'a.js': 'a', 'b.js': 'b' });
  });

  it('sends nothing to a detached runtime, and a new runtime gets everything', async () => {
    const { files, sync, runtime } = setup();
    await sync.attach(runtime);
    sync.detach();
    files.set('a.js', 'a');
    await tick();
    expect(runtime.batches).toEqual([]);
    const next = new FakeRuntime();
    await sync.attach(next);
    expect(next.files).toEqual({ 'a.js': 'a' });
  });

  it('reads back files that commands made or changed, but never over a newer store copy', async () => {
    const { files, sync, runtime } = setup();
    runtime.capabilities = { readBack: true };
    files.set('kept.js', 'mine');
    files.set('gone.js', 'removed by the user');
    await sync.attach(runtime);
    files.remove('gone.js');
    await vi.waitFor(() => expect(runtime.log).toContain('remove gone.js'));

    runtime.files['package-lock.json'] = '{}'; // made by a command
    runtime.files['kept.js'] = 'formatted by a command';
    files.open('streaming.js'); // the model is writing it
    runtime.files['streaming.js'] = 'old';
    await sync.readBack();
    expect(files.files.get()).toEqual({ 'kept.js': 'formatted by a command', 'package-lock.json': '{}', 'streaming.js': '' });
    // What was read back is what the runtime has: it is not copied back.
    await sync.flush();
    expect(runtime.batches).toHaveLength(1);

    // An edit not yet copied in is newer than the runtime's file.
    let land!: () => void;
    runtime.writeGate = new Promise((resolve) => (land = resolve));
    files.set('kept.js', 'edited again');
    await vi.waitFor(() => expect(runtime.batches).toHaveLength(2));
    await sync.readBack();
    expect(files.files.get()['kept.js']).toBe('edited again');
    land();
    await sync.flush();
    expect(runtime.files['kept.js']).toBe('edited again');
  });

  it('skips a file changed while the tree was being read', async () => {
    const { files, sync, runtime } = setup();
    runtime.capabilities = { readBack: true };
    files.set('a.js', 'a');
    await sync.attach(runtime);
    runtime.files['a.js'] = 'from the runtime';
    const readTree = runtime.readTree.bind(runtime);
    runtime.readTree = async () => {
      const tree = await readTree();
      files.set('a.js', 'typed during the read');
      return tree;
    };
    await sync.readBack();
    expect(files.files.get()['a.js']).toBe('typed during the read');
  });

  it('reads nothing back from a runtime without the capability', async () => {
    const { files, sync, runtime } = setup();
    await sync.attach(runtime);
    runtime.files['made.txt'] = 'x';
    await sync.readBack();
    expect(files.files.get()).toEqual({});
  });
});
