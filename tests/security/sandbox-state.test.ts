// Attacks on a sandbox's state (sandbox-state.server.ts), by the sandbox itself, against the real
// Local provider under bubblewrap: the archive swapped for a link to a host file while the server
// reads it, and an archive whose members climb out of the project.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { members, serviceOn, StateWorld } from '../support/sandbox-state';

const world = new StateWorld(24850);
const { provider, dataDir } = world;
const sh = (id: string, command: string) => world.sh(id, command);

afterAll(() => world.close());

describe('a hostile sandbox', () => {
  it('swapping the archive for a link to a host file gets nothing of it back', async () => {
    const secretDir = mkdtempSync(join(dataDir, 'host-'));
    const secret = join(secretDir, 'secret.txt');
    writeFileSync(secret, 'HOST-SECRET-7f3a');
    // The worst moment: right before the server reads the archive, the sandbox makes it a link.
    const hostile = new Proxy(provider, {
      get(target, key) {
        if (key === 'readFile') {
          return async (id: string, path: string, options?: { maxBytes?: number }) => {
            await sh(id, `ln -sfn ${secret} '${path}' && ls -l '${path}'`);
            return target.readFile(id, path, options);
          };
        }
        const value = Reflect.get(target, key, target) as unknown;
        return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
      },
    });
    const on = serviceOn(hostile);
    const { id, client } = await world.person(on);
    await provider.writeFiles(id, [{ path: 'data/app.sqlite', content: 'state' }]);
    const outcome = await client.captureState(id, []).then(
      (captured) => gunzipSync(captured.archive).toString('latin1'),
      (error: Error) => error.message,
    );
    expect(outcome).not.toContain('HOST-SECRET');
    expect(outcome).toMatch(/Could not read/);
    // Nor can a link to a file the sandbox can see be read through.
    expect(await provider.readFile(id, 'data/app.sqlite')).toEqual(Buffer.from('state'));
    await sh(id, 'ln -s /etc/hostname data/link');
    await expect(provider.readFile(id, 'data/link')).rejects.toThrow(/Could not read data\/link/);
  }, 30_000);

  it('an archive with ../ and absolute members restores nothing outside the project', async () => {
    const { id, client } = await world.person();
    const src = mkdtempSync(join(dataDir, 'evil-'));
    mkdirSync(join(src, 'in'));
    writeFileSync(join(src, 'in', 'ok.txt'), 'ok');
    writeFileSync(join(src, 'in', 'escape'), 'escaped');
    writeFileSync(join(src, 'in', 'abs'), 'absolute');
    const made = spawnSync('tar', ['-czPf', join(src, 'evil.tgz'), '-C', join(src, 'in'), '--transform', 's,^escape$,../../escape,', '--transform', 's,^abs$,/abs-escape,', 'ok.txt', 'abs', 'escape']);
    expect(made.status, made.stderr.toString()).toBe(0);
    const archive = readFileSync(join(src, 'evil.tgz'));
    expect(members(archive)).toEqual(['../../escape', '/abs-escape', 'ok.txt']);
    await expect(client.restoreState(id, archive, [])).rejects.toMatchObject({ status: 400, message: expect.stringMatching(/Restoring the sandbox's state failed: tar: .*\.\./) });
    const sandboxDir = join(dataDir, 'sandboxes', id);
    expect(existsSync(join(sandboxDir, 'escape'))).toBe(false);
    expect(existsSync(join(dataDir, 'sandboxes', 'escape'))).toBe(false);
    expect(existsSync('/abs-escape')).toBe(false);
    // What was inside stays inside: the absolute member lands under the project.
    expect(await sh(id, 'find . -type f | sort')).toBe('./abs-escape\n./ok.txt\n');
  }, 30_000);
});
