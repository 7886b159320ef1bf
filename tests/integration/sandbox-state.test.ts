// A cloud sandbox's own state (what the app wrote: databases, uploads) captured and restored for
// versions, against the real Local provider under bubblewrap, through the service, the route and
// the client. Attacks on it: tests/security/sandbox-state.test.ts.
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readProjectFile } from '~/lib/sandbox/local/project-files.server';
import { STATE_EXCLUDED_DIRS } from '~/lib/sandbox/sandbox-state.server';
import { members, StateWorld } from '../support/sandbox-state';

const world = new StateWorld(24800);
const { provider, service, dataDir } = world;
const person = () => world.person();
const sh = (id: string, command: string) => world.sh(id, command);

const WEIRD = 'notes/a\nb "quoted" it\'s.txt';

afterAll(() => world.close());

describe('a sandbox state, captured and restored (Local provider, bubblewrap)', () => {
  it('runs isolated here', () => expect(provider.isolated).toBe(true));

  it('round-trips what the app wrote, exactly; kept files, dependencies and the running server are handled', async () => {
    const { owner, id, client } = await person();
    const sqlite = randomBytes(64 * 1024);
    const png = randomBytes(3000);
    await provider.writeFiles(id, [
      { path: 'src/index.js', content: 'console.log("v1")' },
      { path: 'package.json', content: '{"name":"x"}' },
      { path: 'node_modules/dep/index.js', content: 'dep v1' },
      { path: 'packages/a/node_modules/dep/index.js', content: 'nested dep' },
      { path: 'dist/app.js', content: 'built' },
    ]);
    // What the app writes itself: a database, an upload with a space, a path with a newline and quotes, a link, an empty folder.
    await sh(id, `mkdir -p data uploads empty && ln -s ../data/app.sqlite uploads/latest`);
    await provider.writeFiles(id, [
      { path: 'data/app.sqlite', content: sqlite },
      { path: 'uploads/a b.png', content: png },
      { path: WEIRD, content: 'weird' },
    ]);

    const keep = ['src/index.js', 'package.json'];
    const captured = await client.captureState(id, keep);
    expect(captured.archive).toBeInstanceOf(Uint8Array);
    expect(members(captured.archive)).toEqual(['data/app.sqlite', 'empty/', 'notes/a\\nb "quoted" it\'s.txt', 'uploads/a b.png', 'uploads/latest'].sort());
    expect(captured.files).toBe(5);
    // No temporary file is left behind, and none was captured.
    expect(await sh(id, 'ls -a')).not.toContain('.appforge-state');

    // The app goes on: its database changes, an upload is deleted, a new file appears; the user edits a kept file; an install changes dependencies.
    await provider.writeFiles(id, [
      { path: 'data/app.sqlite', content: 'corrupted' },
      { path: 'data/new.txt', content: 'not in the version' },
      { path: 'src/index.js', content: 'console.log("v2")' },
      { path: 'node_modules/dep/index.js', content: 'dep v2' },
    ]);
    await sh(id, `rm 'uploads/a b.png' && rmdir empty && mkdir -p stray/deep`);
    const server = await service.start(owner, id, `node -e "setInterval(() => {}, 1000)"`);
    let exited = false;
    void server.exit.then(() => (exited = true));

    await client.restoreState(id, captured.archive, keep);
    expect(exited).toBe(true);
    expect(await provider.readFile(id, 'data/app.sqlite')).toEqual(sqlite);
    expect(await provider.readFile(id, 'uploads/a b.png')).toEqual(png);
    expect((await provider.readFile(id, WEIRD)).toString()).toBe('weird');
    expect(await sh(id, 'readlink uploads/latest && test -d empty && echo empty-ok')).toBe('../data/app.sqlite\nempty-ok\n');
    expect((await provider.readFile(id, 'src/index.js')).toString()).toBe('console.log("v2")');
    expect((await provider.readFile(id, 'node_modules/dep/index.js')).toString()).toBe('dep v2');
    expect((await provider.readFile(id, 'packages/a/node_modules/dep/index.js')).toString()).toBe('nested dep');
    expect((await provider.readFile(id, 'dist/app.js')).toString()).toBe('built');
    expect(await sh(id, 'test ! -e data/new.txt && test ! -e stray && ls -a')).not.toContain('.appforge-state');
    // Captured again, the state is what it was.
    expect(members((await client.captureState(id, keep)).archive)).toEqual(members(captured.archive));
  }, 60_000);

  it('captures an empty state as a small archive, and restores it', async () => {
    const { id, client } = await person();
    await provider.writeFiles(id, [{ path: 'index.js', content: 'x' }, { path: 'node_modules/a/b.js', content: 'y' }]);
    const captured = await client.captureState(id, ['index.js']);
    expect(captured.files).toBe(0);
    expect(captured.archive.length).toBeLessThan(200);
    expect(members(captured.archive)).toEqual([]);
    // A tree read while a capture runs never lists its temporary files (ProjectSync would take them for project files).
    await provider.writeFiles(id, [{ path: 'db.json', content: '{}' }, { path: '.appforge-state-0123456789abcdef.list', content: '' }]);
    expect((await provider.readTree(id)).map((entry) => entry.path)).toEqual(['db.json', 'index.js']);
    await client.restoreState(id, captured.archive, ['index.js']);
    expect(await sh(id, 'find . -type f | sort')).toBe('./index.js\n./node_modules/a/b.js\n');
  }, 30_000);

  it('refuses a state over SANDBOX_STATE_MAX_MB with a sentence stating the size and the cap (413)', async () => {
    const { id, client, call } = await person();
    await provider.writeFiles(id, [{ path: 'data/big.bin', content: randomBytes(1_400_000) }]);
    const sentence = /^The sandbox's state is 1\.3 MB compressed, over the 1 MB a version may keep \(SANDBOX_STATE_MAX_MB\)\.$/;
    await expect(client.captureState(id, [])).rejects.toThrow(sentence);
    await expect(client.captureState(id, [])).rejects.toMatchObject({ status: 413 });
    const response = await call(`/api/sandboxes/${id}/state`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ archive: randomBytes(1_100_000).toString('base64'), keep: [] }) });
    expect(response.status).toBe(413);
    expect(((await response.json()) as { error: string }).error).toMatch(/^The saved state is 1\.049 MB, over the 1 MB a sandbox takes back/);
    expect(await sh(id, 'ls -a')).not.toContain('.appforge-state');
  }, 30_000);

  it('leaves the excluded folders out wherever they are', async () => {
    const { id, client } = await person();
    await provider.writeFiles(id, STATE_EXCLUDED_DIRS.flatMap((dir) => [{ path: `${dir}/x`, content: 'x' }, { path: `sub/${dir}/x`, content: 'x' }]));
    await provider.writeFiles(id, [{ path: 'sub/kept-state.txt', content: 's' }, { path: 'builds/x', content: 'not excluded: only exact names are' }]);
    expect(members((await client.captureState(id, [])).archive)).toEqual(['builds/x', 'sub/kept-state.txt']);
  }, 30_000);
});

describe('the state API: ownership and input', () => {
  it('answers 404 for another session\'s sandbox, as the other routes do, before reading the body', async () => {
    const alice = await person();
    const bob = await person();
    for (const method of ['POST', 'PUT']) {
      const response = await bob.call(`/api/sandboxes/${alice.id}/state`, { method, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ keep: [], archive: '' }) });
      expect(response.status, method).toBe(404);
      expect(await response.json()).toEqual({ error: 'That sandbox does not exist (it may have been deleted or expired).' });
    }
  });

  it('refuses a bad keep path with 400 and the path rule\'s sentence', async () => {
    const { id, call } = await person();
    const post = (keep: unknown) => call(`/api/sandboxes/${id}/state`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ keep }) });
    const escaping = await post(['ok.txt', '../etc/passwd']);
    expect(escaping.status).toBe(400);
    expect(await escaping.json()).toEqual({ error: 'Invalid request: keep.1: "../etc/passwd" leaves the project root' });
    expect(await (await post(['/etc/passwd'])).json()).toEqual({ error: 'Invalid request: keep.0: "/etc/passwd" is an absolute path; files must be inside the project' });
    expect((await post(Array.from({ length: 5001 }, (_, i) => `f${i}`))).status).toBe(400);
    const notBase64 = await call(`/api/sandboxes/${id}/state`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ archive: 'not base64!', keep: [] }) });
    expect(await notBase64.json()).toEqual({ error: 'Invalid request: archive: the archive must be base64' });
    const notGzip = await call(`/api/sandboxes/${id}/state`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ archive: Buffer.from('plain').toString('base64'), keep: [] }) });
    expect(notGzip.status).toBe(400);
  });
});

describe('LocalProvider.readFile', () => {
  it('stops at maxBytes (413), inside the sandbox and from the host alike, and never follows a link on the host', async () => {
    const { id } = await person();
    await provider.writeFiles(id, [{ path: 'big.bin', content: randomBytes(5000) }]);
    await expect(provider.readFile(id, 'big.bin', { maxBytes: 4999 })).rejects.toMatchObject({ status: 413, message: 'big.bin is larger than 4999 bytes.' });
    expect((await provider.readFile(id, 'big.bin', { maxBytes: 5000 })).length).toBe(5000);
    // Without bubblewrap (an unprivileged server) the host reads it: a link anywhere on the way is refused.
    const root = mkdtempSync(join(dataDir, 'unisolated-'));
    writeFileSync(join(root, 'secret'), 'HOST-SECRET');
    mkdirSync(join(root, 'project'));
    writeFileSync(join(root, 'project', 'big.bin'), randomBytes(5000));
    symlinkSync(join(root, 'secret'), join(root, 'project', 'link'));
    symlinkSync(root, join(root, 'project', 'dir'));
    await expect(readProjectFile(join(root, 'project'), 'link')).rejects.toMatchObject({ status: 400 });
    await expect(readProjectFile(join(root, 'project'), 'dir/secret')).rejects.toMatchObject({ status: 400 });
    await expect(readProjectFile(join(root, 'project'), 'big.bin', 4999)).rejects.toMatchObject({ status: 413 });
    expect((await readProjectFile(join(root, 'project'), 'big.bin')).length).toBe(5000);
  }, 30_000);
});
