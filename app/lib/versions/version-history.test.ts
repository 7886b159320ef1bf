import 'fake-indexeddb/auto';
import { describe, expect, it } from 'vitest';
import { db, deleteChat, putChat } from '../persistence/chat-db';
import { packText, sha256, unpackText } from './content-address';
import { VersionHistory } from './version-history';

let chats = 0;
const newChat = () => `versions-test-${++chats}`;

/** A 50-file project of realistic source (each file different, a few KB). */
function project(files = 50): Record<string, string> {
  return Object.fromEntries(
    Array.from({ length: files }, (_, i) => [
      `src/components/Part${i}.tsx`,
      Array.from({ length: 60 }, (_, line) => `export const value${i}_${line} = compute(${i}, ${line}, "label ${i * line}");`).join('\n') + '\n',
    ]),
  );
}

async function count(store: 'blobs' | 'archives' | 'versions', chatId: string) {
  return (await (await db()).getAllKeysFromIndex(store, 'chatId', chatId)).length;
}

describe('content addressing', () => {
  it('hashes the bytes: equal texts one key, any change another', async () => {
    expect(await sha256('a')).toBe(await sha256(new TextEncoder().encode('a')));
    expect(await sha256('a')).not.toBe(await sha256('a '));
    expect(await sha256('')).toHaveLength(43);
  });

  it('packs large texts as gzip and gives them back unchanged; tiny ones stay text', async () => {
    const big = 'const x = 1;\n'.repeat(500) + 'ünïcödé ✓\n';
    const packed = await packText(big);
    expect('gz' in packed).toBe(true);
    expect(await unpackText(packed)).toBe(big);
    expect(await packText('hi')).toEqual({ text: 'hi' });
  });
});

describe('a chat’s versions', () => {
  it('keeps each content once: twenty turns of small edits cost little more than the project', async () => {
    const chatId = newChat();
    const history = new VersionHistory(chatId);
    let files = project();
    await history.record({ kind: 'template', label: 'Start', files });
    for (let turn = 2; turn <= 20; turn++) {
      const path = `src/components/Part${turn}.tsx`;
      files = { ...files, [path]: files[path].replace('compute(', `compute(${turn} + `) };
      await history.record({ kind: 'turn', label: `Turn ${turn}`, files });
    }
    const blobs = await count('blobs', chatId);
    expect(blobs).toBe(50 + 19);
    const projectBytes = Object.values(files).reduce((n, text) => n + new TextEncoder().encode(text).length, 0);
    expect(history.storage.get().files).toBeLessThan(projectBytes);
    expect(history.storage.get().count).toBe(20);
  });

  it('lists what each version changed, with lines added and removed', async () => {
    const history = new VersionHistory(newChat());
    await history.record({ kind: 'turn', label: 'one', files: { 'a.txt': 'a\nb\nc\n', 'gone.txt': 'x\ny\n' } });
    const second = await history.record({ kind: 'turn', label: 'two', files: { 'a.txt': 'a\nB\nc\nd\n', 'new.txt': 'n\n' } });
    expect(second.changes).toEqual([
      { path: 'a.txt', status: 'modified', added: 2, removed: 1 },
      { path: 'gone.txt', status: 'removed', added: 0, removed: 2 },
      { path: 'new.txt', status: 'added', added: 1, removed: 0 },
    ]);
    expect(second.seq).toBe(2);
    expect(second.files['new.txt'].hash).toBe(await sha256('n\n'));
  });

  it('gives any version back after a reload, byte for byte', async () => {
    const chatId = newChat();
    const first = new VersionHistory(chatId);
    const one = project(5);
    const two = { ...one, 'src/new.ts': 'export {};\n', 'src/components/Part0.tsx': 'changed\n' };
    await first.record({ kind: 'turn', label: 'one', files: one });
    await first.record({ kind: 'turn', label: 'two', files: two });

    const reopened = new VersionHistory(chatId);
    expect((await reopened.load()).map((v) => v.label)).toEqual(['one', 'two']);
    expect(await reopened.filesOf(1)).toEqual(one);
    expect(await reopened.filesOf(2)).toEqual(two);
    const three = await reopened.record({ kind: 'restore', label: 'Restored v1', files: one, from: 1 });
    expect(three.seq).toBe(3);
    expect(three.changes.map((c) => c.path)).toEqual(['src/components/Part0.tsx', 'src/new.ts']);
    expect(await reopened.sameAsLatest(one)).toBe(true);
    expect(await reopened.sameAsLatest(two)).toBe(false);
  });

  it('says so when a version’s content is gone, instead of restoring a partial project', async () => {
    const chatId = newChat();
    const history = new VersionHistory(chatId);
    await history.record({ kind: 'turn', label: 'one', files: { 'a.txt': 'a'.repeat(300) } });
    await history.record({ kind: 'turn', label: 'two', files: { 'b.txt': 'b' } });
    const database = await db();
    for (const key of await database.getAllKeysFromIndex('blobs', 'chatId', chatId)) await database.delete('blobs', key);
    const reopened = new VersionHistory(chatId);
    await reopened.load();
    await expect(reopened.filesOf(1)).rejects.toThrow(/Version 1 has lost the content of a\.txt/);
  });

  it('marks health, and finds the last working version', async () => {
    const history = new VersionHistory(newChat());
    for (const label of ['one', 'two', 'three']) await history.record({ kind: 'turn', label, files: { 'a.txt': label } });
    await history.setHealth(1, { state: 'ok' });
    await history.setHealth(2, { state: 'ok' });
    await history.setHealth(3, { state: 'failed', problem: 'Server stopped: exit code 1' });
    expect(history.lastWorking()?.seq).toBe(2);
    expect(history.lastWorking(2)?.seq).toBe(1);
    expect(history.get(3)?.health).toEqual({ state: 'failed', problem: 'Server stopped: exit code 1' });
  });

  it('prunes the oldest app data past the budget, keeps every version’s files, and says what it dropped', async () => {
    const chatId = newChat();
    const history = new VersionHistory(chatId, { stateBudget: 2500 });
    const archive = (n: number) => crypto.getRandomValues(new Uint8Array(1000)).map((b) => (b + n) % 256);
    await history.record({ kind: 'turn', label: 'one', files: { 'a.txt': '1' }, state: { archive: archive(1), files: 1 } });
    await history.record({ kind: 'turn', label: 'two', files: { 'a.txt': '2' }, state: { archive: archive(2), files: 1 } });
    const same = history.get(2)!.state!;
    await history.record({ kind: 'restore', label: 'again', files: { 'a.txt': '2' }, state: { same } });
    expect(history.notice.get()).toBeNull();
    await history.record({ kind: 'turn', label: 'four', files: { 'a.txt': '4' }, state: { archive: archive(4), files: 2 } });

    expect(history.get(1)?.state).toMatchObject({ kind: 'pruned', bytes: 1000 });
    expect(history.get(2)?.state?.kind).toBe('archive');
    expect(history.storage.get().state).toBe(2000);
    expect(await count('archives', chatId)).toBe(2);
    expect(history.notice.get()).toMatch(/v1 was dropped.*under 2\.4 KB; their files are kept/);
    expect(await history.archiveOf(1)).toBeUndefined();
    expect(await history.filesOf(1)).toEqual({ 'a.txt': '1' });
    // A fifth archive pushes out the one two versions share: both say so.
    await history.record({ kind: 'turn', label: 'five', files: { 'a.txt': '5' }, state: { archive: archive(5), files: 1 } });
    expect([2, 3].map((seq) => history.get(seq)?.state?.kind)).toEqual(['pruned', 'pruned']);
    expect(history.notice.get()).toMatch(/v2, v3/);
    expect(history.get(5)?.state?.kind).toBe('archive');
  });

  it('leaves nothing behind when the chat is deleted', async () => {
    const chatId = newChat();
    await putChat({ id: chatId, title: 't', model: 'm', createdAt: 1, updatedAt: 1 });
    const history = new VersionHistory(chatId);
    await history.record({ kind: 'turn', label: 'one', files: project(3), state: { archive: new Uint8Array([1, 2, 3]), files: 1 } });
    await deleteChat(chatId);
    expect([await count('versions', chatId), await count('blobs', chatId), await count('archives', chatId)]).toEqual([0, 0, 0]);
  });
});
