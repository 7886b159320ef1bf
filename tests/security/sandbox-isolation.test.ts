// Attacks from inside a Local sandbox, run for real under bubblewrap as whoever runs the tests
// (root here, in CI and in most containers). Each must fail. Nothing here changes host state if
// an attack succeeded by mistake: writes go to scratch paths, and /proc/sys is opened, never written.
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bwrapAvailable } from '~/lib/sandbox/local/bwrap.server';
import { LocalProvider } from '~/lib/sandbox/local/local-provider.server';

const asRoot = process.getuid?.() === 0;
const dataDir = mkdtempSync(join(tmpdir(), 'appforge-security-'));
chmodSync(dataDir, 0o711);
const HOST_UID = 200_000;
let provider: LocalProvider;
let id = '';

async function run(command: string, timeoutMs?: number) {
  let output = '';
  const result = await provider.exec(id, command, { onOutput: (c) => (output += c), timeoutMs });
  return { ...result, output };
}

// Tries to open the file system's root directory from a file handle, as the red team did to read
// host files through a bind mount: it needs CAP_DAC_READ_SEARCH in the host's user namespace.
const OPEN_BY_HANDLE = `#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
int main(void) {
  struct file_handle *fh = malloc(sizeof(*fh) + 128);
  int mount_id;
  fh->handle_bytes = 128;
  if (name_to_handle_at(AT_FDCWD, "/project", fh, &mount_id, 0) != 0) printf("name_to_handle_at: %s\\n", strerror(errno));
  int dir = open("/project", O_RDONLY | O_DIRECTORY);
  struct file_handle *root = malloc(sizeof(*root) + 8);
  root->handle_bytes = 8;
  root->handle_type = 1;
  ((unsigned int *)root->f_handle)[0] = 2;
  ((unsigned int *)root->f_handle)[1] = 0;
  int fd = open_by_handle_at(dir, root, O_RDONLY | O_DIRECTORY);
  if (fd < 0) { printf("open_by_handle_at: %s\\n", strerror(errno)); return 0; }
  printf("OPENED the host file system\\n");
  return 1;
}
`;

beforeAll(async () => {
  expect(bwrapAvailable()).toBe(true);
  provider = new LocalProvider({ dataDir, portBase: 22500, commandTimeoutMs: 20_000, maxOutputBytes: 200_000, memoryMb: 2048, tmpMb: 32, hostUid: HOST_UID, helperTimeoutMs: 3000, maxPids: 64, cacheGraceMs: 0, cpus: 0.5 });
  id = (await provider.create({ app: 'appforge', owner: 'attacker', project: 'p' })).id;
});
afterAll(async () => {
  await provider?.delete(id).catch(() => {});
  rmSync(dataDir, { recursive: true, force: true });
});

describe('a Local sandbox gives its code no host privilege, whoever runs the server', () => {
  it('runs as an unprivileged user with no capabilities, and files it writes belong to an unprivileged host user', async () => {
    const { output } = await run('id -u; grep -E "^Cap(Eff|Prm|Bnd)" /proc/self/status; echo x > mine.txt');
    expect(output).toMatch(/^1000\n/);
    expect(output).toMatch(/CapEff:\s+0000000000000000/);
    expect(output).toMatch(/CapBnd:\s+0000000000000000/);
    const owner = statSync(join(dataDir, 'sandboxes', id, 'project', 'mine.txt')).uid;
    expect(owner).toBe(asRoot ? HOST_UID : process.getuid!());
    expect(owner).not.toBe(0);
  });

  it('cannot remount the system read-write or write under /usr', async () => {
    const { output } = await run('mount -o remount,bind,rw /usr 2>&1; echo pwned > /usr/local/appforge-pwned 2>&1; echo done');
    expect(output).toMatch(/must be superuser|permission denied|Read-only/i);
    expect(existsSync('/usr/local/appforge-pwned')).toBe(false);
  });

  it('cannot reach host files through open_by_handle_at', async () => {
    const source = join(dataDir, 'sandboxes', id, 'project', 'byhandle.c');
    const { writeFileSync } = await import('node:fs');
    writeFileSync(source, OPEN_BY_HANDLE);
    execFileSync('gcc', ['-o', source.replace(/\.c$/, ''), source]);
    const { output, exitCode } = await run('./byhandle');
    expect(output, output).toMatch(/open_by_handle_at: Operation not permitted/);
    expect(exitCode).toBe(0);
  });

  it('cannot open kernel settings for writing (/proc/sys), nor create user namespaces of its own', async () => {
    const before = readFileSync('/proc/sys/kernel/core_pattern', 'utf8');
    // Opened read-write without writing: a success would show as "opened", never as a change.
    const { output } = await run('(exec 3<>/proc/sys/kernel/core_pattern && echo opened) 2>&1; unshare -U true 2>&1 || echo "no userns"; unshare -r true 2>&1 || echo "no root map"');
    expect(output).not.toMatch(/opened/);
    expect(output).toMatch(/Permission denied|Read-only/);
    expect(output).toMatch(/no userns/);
    expect(output).toMatch(/no root map/);
    expect(readFileSync('/proc/sys/kernel/core_pattern', 'utf8')).toBe(before);
  });

  it('sees none of the host: no /root, no repository, no npm tokens, no proxy settings', async () => {
    const { output } = await run('ls /root 2>&1; ls /work 2>&1; ls /etc; env');
    expect(output).toMatch(/ls: cannot access '\/root'/);
    expect(output).toMatch(/ls: cannot access '\/work'/);
    expect(output).not.toMatch(/^npmrc$/m);
    expect(output).not.toMatch(/^shadow$/m);
    expect(output).not.toMatch(/_PROXY=|_proxy=|_authToken/);
  });

  it('cannot fork without bound, and leaves no process behind when deleted, however it detached', async () => {
    if (!asRoot) return; // cgroups need root; the rlimits below still hold
    // The loop runs in a subshell: a shell that cannot fork gives up, and this one reports it.
    const bomb = await run('(i=0; while [ $i -lt 300 ]; do sleep 30 > /dev/null 2>&1 & i=$((i+1)); done) 2> forks.txt; tail -1 forks.txt');
    expect(bomb.output).toMatch(/Resource temporarily unavailable|Cannot fork|can't fork/i);
    // A background app whose children leave its process group and tree.
    const other = await provider.create({ app: 'appforge', owner: 'attacker', project: 'q' });
    await provider.start(other.id, 'setsid nohup sleep 300 > /dev/null 2>&1 & (sleep 301 > /dev/null 2>&1 &); exec sleep 302');
    const sleepers = () => spawnSync('pgrep', ['-u', String(HOST_UID), '-x', 'sleep'], { encoding: 'utf8' }).stdout.split('\n').filter(Boolean).length;
    await expect.poll(sleepers).toBe(3);
    await provider.delete(other.id);
    expect(sleepers()).toBe(0);
  }, 40_000);

  it("cannot change another session's npm cache; a session's own sandboxes share one (cache poisoning)", async () => {
    const [victim, attacker] = ['a'.repeat(32), 'b'.repeat(32)];
    const mine = (await provider.create({ app: 'appforge', owner: attacker, project: 'x' })).id;
    const theirs = (await provider.create({ app: 'appforge', owner: victim, project: 'y' })).id;
    const mineAgain = (await provider.create({ app: 'appforge', owner: attacker, project: 'z' })).id;
    try {
      const poison = await provider.exec(mine, 'mkdir -p /npm-cache/_cacache && echo attacker > /npm-cache/_cacache/poisoned && echo written');
      expect(poison.exitCode).toBe(0);
      let seen = '';
      await provider.exec(theirs, 'cat /npm-cache/_cacache/poisoned 2>&1 || echo absent', { onOutput: (c) => (seen += c) });
      expect(seen).toMatch(/absent/);
      let shared = '';
      await provider.exec(mineAgain, 'cat /npm-cache/_cacache/poisoned', { onOutput: (c) => (shared += c) });
      expect(shared).toBe('attacker\n');
    } finally {
      for (const sandbox of [mine, theirs, mineAgain]) await provider.delete(sandbox);
    }
    // With their sessions' sandboxes gone, the caches go too.
    await provider.reconcile();
    expect(readdirSync(join(dataDir, 'npm-cache')).filter((name) => name === victim || name === attacker)).toEqual([]);
  });

  it('cannot take more CPU time than it is given (a busy loop gets half a CPU)', async () => {
    const { output } = await run(`bash -c 'TIMEFORMAT="%U %S"; time (timeout 2 bash -c "while :; do :; done")' 2>&1`);
    const [user, system] = output.trim().split('\n').at(-1)!.split(' ').map(Number);
    expect(user + system).toBeGreaterThan(0.3);
    expect(user + system).toBeLessThan(1.4);
  });

  it('has a bounded /tmp', async () => {
    const { output } = await run('(head -c 100000000 /dev/zero > /tmp/fill) 2>&1; echo exit=$?; df -m /tmp | tail -1');
    expect(output).toMatch(/No space left on device/);
    expect(output).toMatch(/exit=1/);
    expect(output).toMatch(/\s32\s/);
  });

  it('cannot hold a server-side file operation forever with a FIFO named like a file', async () => {
    await run('mkfifo trap.txt');
    const began = Date.now();
    await expect(provider.writeFiles(id, [{ path: 'trap.txt', content: 'x' }])).rejects.toThrow(/Could not write files/);
    expect(Date.now() - began).toBeLessThan(10_000);
  });

  it('cannot run longer than the server allows, whatever it asks for', async () => {
    const { exitCode, timedOut } = await run('sleep 60', 86_400_000);
    expect({ exitCode, timedOut }).toEqual({ exitCode: 124, timedOut: true });
  }, 40_000);
});

describe('when bubblewrap is missing', () => {
  it('a production server refuses to run Local sandboxes unisolated', () => {
    const bin = mkdtempSync(join(tmpdir(), 'appforge-nobwrap-'));
    try {
      // A PATH with a shell but no bwrap.
      const out = spawnSync(process.execPath, ['--import', 'tsx', 'server.ts'], {
        cwd: new URL('../..', import.meta.url).pathname,
        env: { PATH: `${bin}:/nonexistent`, HOME: process.env.HOME, NODE_ENV: 'production', ENV_FILE: '', PORT: '29731', SESSION_SECRET: 'x'.repeat(40), SANDBOX_PROVIDER: 'local', SANDBOX_DATA_DIR: dataDir },
        encoding: 'utf8',
        timeout: 30_000,
      });
      expect(out.status).toBe(1);
      // As root the refusal comes first for a reason of its own: the sandbox would be host root.
      expect(out.stderr).toMatch(process.getuid?.() === 0 ? /Refusing to run Local sandboxes as root without bubblewrap/ : /Refusing to run Local sandboxes without isolation in production/);
    } finally {
      rmSync(bin, { recursive: true, force: true });
    }
  });
});
