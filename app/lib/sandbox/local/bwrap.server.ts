import { spawnSync } from 'node:child_process';
import { existsSync, lstatSync, readlinkSync } from 'node:fs';

/** Paths inside the sandbox. */
export const PROJECT_DIR = '/project';
export const NPM_CACHE_DIR = '/npm-cache';

// Only what programs need from /etc: name resolution, certificates, users, npm's global config.
// Everything else there (shadow, ssh keys, the host's secrets) stays invisible.
const ETC_ENTRIES = [
  'resolv.conf', 'hosts', 'nsswitch.conf', 'host.conf', 'passwd', 'group', 'ssl', 'ca-certificates',
  'ca-certificates.conf', 'npmrc', 'alternatives', 'localtime', 'timezone', 'mime.types', 'gai.conf', 'ld.so.cache', 'ld.so.conf', 'ld.so.conf.d',
];

let available: boolean | undefined;

export function bwrapAvailable(): boolean {
  available ??= spawnSync('bwrap', ['--ro-bind', '/', '/', '--unshare-pid', 'true'], { stdio: 'ignore' }).status === 0;
  return available;
}

/** bwrap arguments: a read-only system, the project and the shared npm cache writable, nothing else of the host. */
export function bwrapArgs(projectDir: string, npmCacheDir: string, env: Record<string, string>): string[] {
  const args = ['--ro-bind', '/usr', '/usr'];
  for (const top of ['/bin', '/sbin', '/lib', '/lib32', '/lib64', '/libx32']) {
    if (!existsSync(top)) continue;
    if (lstatSync(top).isSymbolicLink()) args.push('--symlink', readlinkSync(top), top);
    else args.push('--ro-bind', top, top);
  }
  for (const entry of ETC_ENTRIES) args.push('--ro-bind-try', `/etc/${entry}`, `/etc/${entry}`);
  args.push(
    '--bind', projectDir, PROJECT_DIR,
    '--bind', npmCacheDir, NPM_CACHE_DIR,
    '--proc', '/proc',
    '--dev', '/dev',
    '--tmpfs', '/tmp',
    '--unshare-pid', '--unshare-ipc', '--unshare-uts', '--share-net',
    '--die-with-parent', '--new-session',
    '--clearenv',
    '--chdir', PROJECT_DIR,
  );
  for (const [name, value] of Object.entries(env)) args.push('--setenv', name, value);
  return args;
}
