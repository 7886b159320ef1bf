import { execFile, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, open, rm, rmdir } from 'node:fs/promises';

/**
 * A size-limited file system for each writable place of a sandbox (its project, its session's npm
 * cache): a sparse ext4 image, loop-mounted `nosuid,nodev`. A sandbox that writes without end
 * gets "No space left on device" at its size instead of filling the host's disk. Needs root and
 * loop devices; elsewhere sandboxes are bounded only together (SANDBOX_MAX_DISK_MB).
 */

/** The system tools live in sbin, which a server's PATH may lack. */
const TOOLS_ENV = { PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' } as unknown as NodeJS.ProcessEnv;

/** Why volumes cannot be made here, or null when they can. */
export function diskVolumesUnavailable(): string | null {
  if (process.getuid?.() !== 0) return 'the server does not run as root (loop mounts need root)';
  if (!existsSync('/dev/loop-control')) return 'there are no loop devices (/dev/loop-control)';
  for (const tool of ['mkfs.ext4', 'mount', 'umount', 'mountpoint']) {
    if (spawnSync('sh', ['-c', `command -v ${tool}`], { stdio: 'ignore', env: TOOLS_ENV }).status !== 0) {
      return `${tool} is not installed (apt-get install e2fsprogs mount util-linux)`;
    }
  }
  return null;
}


function run(command: string, args: string[]): Promise<void> {
  return new Promise((resolve, reject) =>
    execFile(command, args, { env: TOOLS_ENV, timeout: 60_000 }, (error, _stdout, stderr) =>
      error ? reject(new Error(`${command} ${args.join(' ')}: ${String(stderr).trim() || error.message}`)) : resolve(),
    ),
  );
}

export function isMountPoint(dir: string): Promise<boolean> {
  return new Promise((resolve) => execFile('mountpoint', ['-q', dir], { env: TOOLS_ENV }, (error) => resolve(!error)));
}

/** One mount or unmount per directory at a time: two sandboxes of a session share its cache. */
const pending = new Map<string, Promise<unknown>>();

export function serialized<T>(dir: string, work: () => Promise<T>): Promise<T> {
  const before = pending.get(dir) ?? Promise.resolve();
  const next = before.catch(() => {}).then(work);
  pending.set(dir, next);
  void next.finally(() => pending.get(dir) === next && pending.delete(dir)).catch(() => {});
  return next;
}

/**
 * Mounts `image` (made first, `sizeMb` large and owned by `owner` at its root) on `dir`, unless
 * something is mounted there already ('already'). A directory that exists without an image (made
 * before volumes existed) is emptied first when `replaceContents` says it may be (a cache), else
 * kept unbounded ('none').
 */
export function mountVolume(dir: string, image: string, sizeMb: number, owner: { uid: number; gid: number }, replaceContents: boolean): Promise<'mounted' | 'already' | 'none'> {
  return serialized(dir, async () => {
    if (await isMountPoint(dir)) return 'already';
    if (!existsSync(image)) {
      if (existsSync(dir) && !replaceContents) return 'none';
      await rm(dir, { recursive: true, force: true });
      const file = await open(image, 'w', 0o600);
      try {
        await file.truncate(sizeMb * 1024 * 1024);
      } finally {
        await file.close();
      }
      // A small journal: sandboxes are disposable, their disk space is not.
      await run('mkfs.ext4', ['-q', '-F', '-m', '0', '-J', 'size=4', '-E', `root_owner=${owner.uid}:${owner.gid}`, image]);
    }
    await mkdir(dir, { recursive: true });
    await run('mount', ['-o', 'loop,nosuid,nodev,noatime,discard', image, dir]);
    // mkfs leaves lost+found, which would show in the project's file tree.
    await rmdir(`${dir}/lost+found`).catch(() => {});
    return 'mounted';
  });
}

async function unmount(dir: string) {
  if (await isMountPoint(dir)) await run('umount', [dir]).catch(() => run('umount', ['-l', dir]));
}

/** Unmounts `dir` (lazily if something still holds it); the image stays for the next mount. */
export function unmountVolume(dir: string): Promise<void> {
  return serialized(dir, () => unmount(dir));
}

/** Unmounts `dir` and removes the image. */
export function removeVolume(dir: string, image: string): Promise<void> {
  return serialized(dir, async () => {
    await unmount(dir);
    await rm(image, { force: true });
  });
}
