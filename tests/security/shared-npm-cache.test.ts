// The npm cache every session reads and only the server writes (shared-npm-cache.server.ts), run
// for real as root: real installs from the registry in Local sandboxes under bubblewrap. A new
// session's first install is served by what another session's install made the server fetch; no
// sandbox can change what another session installs, through the shared layer or through the fill.
import { chmodSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalProvider } from '~/lib/sandbox/local/local-provider.server';
import { layerDigest, SharedNpmCache, sharedCacheUnavailable } from '~/lib/sandbox/local/shared-npm-cache.server';
import { unmountUnder } from '../support/app-server';

const asRoot = process.getuid?.() === 0;
const dataDir = mkdtempSync(join(tmpdir(), 'appforge-sharedcache-'));
chmodSync(dataDir, 0o711);
const registry = process.env.npm_config_registry || 'https://registry.npmjs.org';
const PACKAGE = JSON.stringify({ name: 'shared-cache-story', private: true, dependencies: { 'is-number': '7.0.0' } });
const logs: string[] = [];
let provider: LocalProvider;
const made: string[] = [];

async function session(owner: string) {
  const { id } = await provider.create({ app: 'appforge', owner: owner.repeat(32), project: 'p' });
  made.push(id);
  await provider.writeFiles(id, [{ path: 'package.json', content: PACKAGE }]);
  return id;
}

async function run(id: string, command: string) {
  let output = '';
  const result = await provider.exec(id, command, { onOutput: (c) => (output += c) });
  return { ...result, output };
}

const layer = () => join(dataDir, 'npm-cache', '.trusted');
const currentLayer = () => join(layer(), (JSON.parse(readFileSync(join(layer(), 'state.json'), 'utf8')) as { current: string }).current);

describe.runIf(asRoot && sharedCacheUnavailable(dataDir) === null)('the shared npm cache', () => {
  beforeAll(() => {
    provider = new LocalProvider({ dataDir, portBase: 23300, commandTimeoutMs: 120_000, maxOutputBytes: 500_000, memoryMb: 2048, hostUid: 200_000, diskMb: 256, sharedNpmCacheMb: 512, cacheGraceMs: 0, passEnv: { npm_config_registry: registry }, log: (line) => logs.push(line) });
    expect(provider.sharedNpmCache).toBe(true);
  });

  afterAll(async () => {
    for (const id of made) await provider?.delete(id).catch(() => {});
    await provider?.stopAll();
    unmountUnder(dataDir);
    rmSync(dataDir, { recursive: true, force: true });
  });

  it("serves a new session's first install from what the server fetched after another session's install", async () => {
    // Before anything is filled, a new session has nothing cached: an offline install fails.
    const before = await session('c');
    const cold = await run(before, 'npm install --offline --no-audit --no-fund 2>&1');
    expect(cold.exitCode).not.toBe(0);
    expect(cold.output).toMatch(/ENOTCACHED|offline/i);

    const first = await session('a');
    expect((await run(first, 'npm install --no-audit --no-fund 2>&1')).exitCode).toBe(0);
    await provider.sharedCacheSettled();
    expect(logs.filter((line) => line.includes('shared npm cache'))).toEqual([]);

    // Another session, never seen before: offline, the shared layer alone serves its install.
    const next = await session('b');
    const warm = await run(next, 'npm install --offline --no-audit --no-fund 2>&1 && node -e "console.log(require(\'is-number\')(42))"');
    expect(warm.output).toContain('true');
    expect(warm.exitCode).toBe(0);
  }, 180_000);

  it("cannot change what another session installs by writing to the shared layer's files (cache poisoning)", async () => {
    const digest = await layerDigest(currentLayer());
    expect(Object.keys(digest).some((path) => path.startsWith('_cacache/content-v2/'))).toBe(true);

    // The attacker's sandbox rewrites every cached file it sees and removes the contents: allowed,
    // and all of it lands in its own session's layer.
    const attacker = await session('d');
    const poison = await run(attacker, `find /npm-cache/_cacache -type f -exec sh -c 'echo poisoned > "$1"' _ {} \\; && rm -rf /npm-cache/_cacache/content-v2 && echo done`);
    expect(poison.output).toContain('done');
    expect((await run(attacker, 'npm install --offline --no-audit --no-fund 2>&1')).exitCode).not.toBe(0);
    // Its own layer is its session's volume: filling it stops at the volume's size.
    const fillUp = await run(attacker, '(head -c 400000000 /dev/zero > /npm-cache/big) 2>&1; rm -f /npm-cache/big');
    expect(fillUp.output).toMatch(/No space left on device/);
    // Nor can it reach the layer itself: the host's paths do not exist in a sandbox.
    expect((await run(attacker, `ls ${layer()} 2>&1`)).output).toMatch(/No such file/);

    // The shared layer is byte for byte as it was, and a new session installs the genuine package.
    expect(await layerDigest(currentLayer())).toEqual(digest);
    const victim = await session('e');
    const installed = await run(victim, 'npm install --offline --no-audit --no-fund 2>&1 && node -e "console.log(require(\'is-number\')(\'x\'))"');
    expect(installed.exitCode).toBe(0);
    expect(installed.output).toContain('false');
    expect(installed.output).not.toContain('poisoned');
  }, 120_000);

  it("goes with a session's last sandbox: its overlay, its own layer and its volume; the shared layer stays", async () => {
    const layerBefore = currentLayer();
    for (const id of made.splice(0)) await provider.delete(id);
    await provider.reconcile();
    const cacheRoot = join(dataDir, 'npm-cache');
    expect(readdirSync(cacheRoot).filter((name) => name !== '.trusted')).toEqual([]);
    expect(readFileSync('/proc/self/mountinfo', 'utf8').split('\n').filter((line) => line.includes(`${cacheRoot}/`) && !line.includes('.trusted'))).toEqual([]);
    expect(existsSync(layerBefore)).toBe(true);
    // A session after that still finds the shared layer.
    const later = await session('f');
    expect((await run(later, 'npm install --offline --no-audit --no-fund 2>&1')).exitCode).toBe(0);
  }, 60_000);

  it('fills only from the registry: scripts, files, URLs and git dependencies of a package.json are left out and nothing of them runs', async () => {
    const marker = join(tmpdir(), `appforge-fill-ran-${process.pid}`);
    const shared = new SharedNpmCache({ root: join(dataDir, 'fill-only'), npmEnv: { npm_config_registry: registry }, owner: { uid: 200_000, gid: 200_000 }, maxMb: 256, log: (line) => logs.push(line) });
    const hostile = JSON.stringify({
      name: 'hostile',
      scripts: { preinstall: `touch ${marker}`, install: `touch ${marker}`, postinstall: `touch ${marker}` },
      dependencies: { 'is-number': '^7.0.0', secrets: 'file:/etc', remote: 'https://example.invalid/x.tgz', fork: 'github:someone/thing', dots: '../../outside', alias: 'npm:is-number@7.0.0' },
      workspaces: ['../../'],
    });
    const result = await shared.fill(hostile);
    expect(result.kind).toBe('filled');
    expect(result.kind === 'filled' && result.dropped.sort()).toEqual(['alias@npm:is-number@7.0.0', 'dots@../../outside', 'fork@github:someone/thing', 'remote@https://example.invalid/x.tgz', 'secrets@file:/etc']);
    expect(existsSync(marker)).toBe(false);
    const files = Object.keys(await layerDigest(shared.currentLayer));
    // Only npm's cache: no log of the fill, no project files, nothing under a path a dependency named.
    expect(files.length).toBeGreaterThan(0);
    expect(files.every((path) => path.startsWith('_cacache/'))).toBe(true);
    // The same dependencies again: nothing to do.
    expect((await shared.fill(hostile)).kind).toBe('known');
  }, 120_000);
});
