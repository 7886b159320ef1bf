// Disk attacks from inside a Local sandbox, run for real as root: a sandbox filling its project
// or its session's npm cache stops at its own size, not at the host's free space.
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalProvider, type LocalProviderOptions } from '~/lib/sandbox/local/local-provider.server';
import { unmountUnder } from '../support/app-server';

const dataDir = mkdtempSync(join(tmpdir(), 'appforge-disksec-'));
chmodSync(dataDir, 0o711);
const DISK_MB = 64;
const options: LocalProviderOptions = { dataDir, portBase: 22700, commandTimeoutMs: 60_000, maxOutputBytes: 200_000, memoryMb: 2048, tmpMb: 32, hostUid: 200_000, diskMb: DISK_MB, isolateNetwork: false };
let provider: LocalProvider;
let attacker = '';
let neighbour = '';

async function run(id: string, command: string) {
  let output = '';
  const result = await provider.exec(id, command, { onOutput: (c) => (output += c) });
  return { ...result, output };
}

const projectDir = (id: string) => join(dataDir, 'sandboxes', id, 'project');
const mounted = (dir: string) => readFileSync('/proc/self/mountinfo', 'utf8').split('\n').some((line) => line.split(' ')[4] === dir);

beforeAll(async () => {
  provider = new LocalProvider(options);
  expect(provider.diskLimited).toBe(true);
  attacker = (await provider.create({ app: 'appforge', owner: 'a'.repeat(32) })).id;
  neighbour = (await provider.create({ app: 'appforge', owner: 'b'.repeat(32) })).id;
});

afterAll(async () => {
  for (const id of [attacker, neighbour]) await provider?.delete(id).catch(() => {});
  await provider?.stopAll();
  unmountUnder(dataDir);
  rmSync(dataDir, { recursive: true, force: true });
});

describe("a Local sandbox's disk is its own size", () => {
  it('cannot fill more than its size in its project; the host keeps its space, the neighbour can still write', async () => {
    const { output } = await run(attacker, 'dd if=/dev/zero of=fill bs=1M count=200 2>&1; ls -la');
    expect(output).toMatch(/No space left on device/);
    expect(output).not.toContain('lost+found');
    const image = `${projectDir(attacker)}.img`;
    expect(statSync(image).blocks * 512).toBeLessThan((DISK_MB + 8) * 1024 * 1024);
    const neighbourWrite = await run(neighbour, 'dd if=/dev/zero of=ok bs=1M count=8 2>&1 && echo WROTE');
    expect(neighbourWrite.output).toContain('WROTE');
  });

  it("cannot fill more than its size in its session's npm cache", async () => {
    const { output } = await run(attacker, 'dd if=/dev/zero of=/npm-cache/fill bs=1M count=200 2>&1');
    expect(output).toMatch(/No space left on device/);
    expect(statSync(join(dataDir, 'npm-cache', `${'a'.repeat(32)}.img`)).blocks * 512).toBeLessThan((DISK_MB + 8) * 1024 * 1024);
  });

  it('gets the space back when it deletes files', async () => {
    const { exitCode, output } = await run(attacker, 'rm -f fill /npm-cache/fill && dd if=/dev/zero of=again bs=1M count=32 2>&1');
    expect(exitCode, output).toBe(0);
  });

  it('is unmounted when stopped, and mounted again with its files when used', async () => {
    await run(attacker, 'echo before-stop > stopped.txt');
    await provider.stop(attacker);
    expect(mounted(projectDir(attacker))).toBe(false);
    expect(spawnSync('find', ['/sys/fs/cgroup/pids', '-name', `appforge-${attacker}`], { encoding: 'utf8' }).stdout).toBe('');
    expect((await provider.readTree(attacker)).map((e) => e.path)).toContain('stopped.txt');
    expect(mounted(projectDir(attacker))).toBe(true);
  });

  it('is unmounted when the server shuts down, and mounted again with its files when used after a restart; nosuid, nodev', async () => {
    await run(attacker, 'echo kept > kept.txt');
    await provider.stopAll();
    expect(mounted(projectDir(attacker))).toBe(false);
    // Nor are its (empty) cgroups left on the host.
    expect(spawnSync('find', ['/sys/fs/cgroup/pids', '/sys/fs/cgroup/memory', '-name', `appforge-${attacker}`], { encoding: 'utf8' }).stdout).toBe('');
    expect(mounted(join(dataDir, 'npm-cache', 'a'.repeat(32)))).toBe(false);
    provider = new LocalProvider(options);
    const { output } = await run(attacker, 'cat kept.txt; grep " /project " /proc/self/mountinfo');
    expect(output).toContain('kept');
    expect(output).toMatch(/nosuid/);
    expect(output).toMatch(/nodev/);
  });

  it('leaves no mount and no image behind when deleted', async () => {
    const dir = projectDir(attacker);
    expect(mounted(dir)).toBe(true);
    await provider.delete(attacker);
    expect(mounted(dir)).toBe(false);
    expect(existsSync(`${dir}.img`)).toBe(false);
    expect(existsSync(join(dataDir, 'sandboxes', attacker))).toBe(false);
  });
});
