import { spawn, spawnSync, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { existsSync, lstatSync, readlinkSync, statSync } from 'node:fs';
import { dirname } from 'node:path';

/** Paths inside the sandbox. */
export const PROJECT_DIR = '/project';
export const NPM_CACHE_DIR = '/npm-cache';

// Only what programs need from /etc: name resolution, certificates, users, npm's global config.
// Everything else there (shadow, ssh keys, the host's secrets) stays invisible.
const ETC_ENTRIES = [
  'resolv.conf', 'hosts', 'nsswitch.conf', 'host.conf', 'passwd', 'group', 'ssl', 'ca-certificates',
  'ca-certificates.conf', 'alternatives', 'localtime', 'timezone', 'mime.types', 'gai.conf', 'ld.so.cache', 'ld.so.conf', 'ld.so.conf.d',
];

let available: boolean | undefined;

export function bwrapAvailable(): boolean {
  available ??= spawnSync('bwrap', ['--ro-bind', '/', '/', '--unshare-pid', 'true'], { stdio: 'ignore' }).status === 0;
  return available;
}

let disablesUserns: boolean | undefined;

/** `--disable-userns` (no user namespaces inside the sandbox) needs bubblewrap 0.8 or newer. */
function canDisableUserns(): boolean {
  disablesUserns ??= spawnSync('bwrap', ['--ro-bind', '/', '/', '--unshare-user', '--disable-userns', 'true'], { stdio: 'ignore' }).status === 0;
  return disablesUserns;
}

/**
 * Whether bwrap can make its user namespace when started as `user` (some hosts forbid
 * unprivileged user namespaces). Checked once at start, the way sandboxes will run it.
 */
export function bwrapWorksAs(user: { uid: number; gid: number }): boolean {
  return spawnSync('setpriv', [`--reuid=${user.uid}`, `--regid=${user.gid}`, '--clear-groups', 'bwrap', '--ro-bind', '/', '/', '--unshare-user', '--unshare-pid', 'true'], { stdio: 'ignore' }).status === 0;
}

/** The sandbox's user inside its own user namespace. */
const SANDBOX_UID = '1000';

/**
 * The unprivileged host user sandboxes run as when the server runs as root (here, in CI, in most
 * containers). bwrap maps the sandbox's user to whoever starts it: started by root, sandbox code
 * would be host root to the kernel (it could write /proc/sys, for one). Started by this uid, it is
 * nobody in particular. null when the server is not root: it is then unprivileged itself.
 */
export function sandboxHostUser(uid: number): { uid: number; gid: number } | null {
  return process.getuid?.() === 0 ? { uid, gid: uid } : null;
}

export interface BwrapOptions {
  /** /tmp in a sandbox is memory: its size is bounded. */
  tmpBytes: number;
  /**
   * `joined`: the network namespace bwrap is started in (the sandbox's own, see
   * sandbox-network.server.ts), with this resolv.conf; `none`: loopback only (file helpers);
   * `host`: the host's network (only where per-sandbox networks cannot be made).
   */
  network: { kind: 'joined'; resolvConf: string } | { kind: 'none' } | { kind: 'host' };
}

/**
 * bwrap arguments: an own user namespace (all capabilities dropped, no further namespaces), a
 * read-only system, the project and the npm cache writable, a bounded /tmp, nothing else of the host.
 */
export function bwrapArgs(projectDir: string, npmCacheDir: string, env: Record<string, string>, options: BwrapOptions): string[] {
  const args = ['--ro-bind', '/usr', '/usr'];
  for (const top of ['/bin', '/sbin', '/lib', '/lib32', '/lib64', '/libx32']) {
    if (!existsSync(top)) continue;
    if (lstatSync(top).isSymbolicLink()) args.push('--symlink', readlinkSync(top), top);
    else args.push('--ro-bind', top, top);
  }
  for (const entry of ETC_ENTRIES) args.push('--ro-bind-try', `/etc/${entry}`, `/etc/${entry}`);
  if (options.network.kind === 'joined') args.push('--ro-bind', options.network.resolvConf, '/etc/resolv.conf');
  args.push(
    '--bind', projectDir, PROJECT_DIR,
    '--bind', npmCacheDir, NPM_CACHE_DIR,
    '--proc', '/proc',
    '--dev', '/dev',
    '--size', String(options.tmpBytes), '--tmpfs', '/tmp',
    '--unshare-user', '--uid', SANDBOX_UID, '--gid', SANDBOX_UID, '--cap-drop', 'ALL',
    ...(canDisableUserns() ? ['--disable-userns'] : []),
    '--unshare-pid', '--unshare-ipc', '--unshare-uts', options.network.kind === 'none' ? '--unshare-net' : '--share-net',
    '--die-with-parent', '--new-session',
    '--clearenv',
    '--chdir', PROJECT_DIR,
  );
  for (const [name, value] of Object.entries(env)) args.push('--setenv', name, value);
  return args;
}

/** Where a sandbox process starts, before it becomes bwrap. */
export interface SandboxPlacement {
  /** The unprivileged host user bwrap runs as (null: the server's own user, not root). */
  user: { uid: number; gid: number } | null;
  /** The sandbox's cgroups' `cgroup.procs` files, joined first (needs root). */
  cgroupProcs?: string[];
  /** The sandbox's network namespace, entered first (needs root), and its inode. */
  netns?: { path: string; inode: number };
}

/**
 * Starts `bwrap <args> <command…>`. As root, a shell first moves itself into the sandbox's
 * cgroups and network namespace, then drops to the sandbox user and becomes bwrap: every process
 * of the sandbox is in them from the start, and none of it ever holds root's privileges.
 */
export function spawnBwrap(args: string[], command: string[], options: SpawnOptions, placement: SandboxPlacement): ChildProcess {
  const { user, cgroupProcs = [], netns } = placement;
  if (user && (cgroupProcs.length || netns)) {
    // The namespace is named by its holder's pid: checked to be the same namespace (a pid is reused once its process is gone).
    const enter = netns ? '[ "$(stat -Lc %i "$APPFORGE_NETNS")" = "$APPFORGE_NETNS_INODE" ] || exit 125; exec nsenter --net="$APPFORGE_NETNS" ' : 'exec ';
    const script = `for f in $APPFORGE_CGROUP_PROCS; do echo $$ > "$f" || exit 125; done; ${enter}setpriv --reuid="$APPFORGE_UID" --regid="$APPFORGE_GID" --clear-groups bwrap "$@"`;
    const env = {
      PATH: '/usr/local/bin:/usr/bin:/bin',
      APPFORGE_CGROUP_PROCS: cgroupProcs.join(' '),
      APPFORGE_NETNS: netns?.path ?? '',
      APPFORGE_NETNS_INODE: String(netns?.inode ?? ''),
      APPFORGE_UID: String(user.uid),
      APPFORGE_GID: String(user.gid),
    };
    return spawn('sh', ['-c', script, 'sh', ...args, ...command], { ...options, env: env as unknown as NodeJS.ProcessEnv });
  }
  return spawn('bwrap', [...args, ...command], { ...options, ...(user ?? {}) });
}

/**
 * bwrap, running as the sandbox user, must reach the directories it binds: every directory on
 * the way must let that user through. Returns the first that does not, or null.
 */
export function unreachableFor(uid: number, path: string): string | null {
  let dir = path;
  for (;;) {
    const info = statSync(dir);
    const passable = info.uid === uid ? (info.mode & 0o100) !== 0 : (info.mode & 0o001) !== 0;
    if (!passable) return dir;
    const parent = dirname(dir);
    if (parent === dir) return null;
    dir = parent;
  }
}
