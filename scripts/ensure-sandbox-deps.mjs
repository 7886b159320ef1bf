#!/usr/bin/env node
// Before `npm run dev` / `npm start`: Local sandboxes need bubblewrap (isolation) and, when the
// server runs as root, slirp4netns (a network of their own). On a Debian/Ubuntu machine where
// this runs as root they are installed when missing; elsewhere this says what to install. The
// server itself refuses Local sandboxes as root without bubblewrap (model code would run as host root).
import { execFileSync, spawnSync } from 'node:child_process';

export function has(command) {
  return spawnSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' }).status === 0;
}

/** What Local sandboxes need here and is missing (Debian package names). */
export function missingSandboxPackages({ isRoot = process.getuid?.() === 0, hasCommand = has } = {}) {
  const missing = [];
  if (!hasCommand('bwrap')) missing.push('bubblewrap');
  // Per-sandbox networks are made only by a root server.
  if (isRoot && !hasCommand('slirp4netns')) missing.push('slirp4netns');
  return missing;
}

/** Installs Debian packages when running as root with apt-get; false when it cannot. */
export function aptInstall(packages, { why }) {
  const root = process.getuid?.() === 0;
  if (!root || !has('apt-get')) return false;
  console.log(`Installing ${packages.join(' ')} from Debian (${why})…`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  execFileSync('apt-get', ['update', '-qq'], { stdio: 'inherit', env });
  execFileSync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...packages], { stdio: 'inherit', env });
  return true;
}

export function ensureSandboxDeps() {
  // Daytona runs sandboxes elsewhere: nothing to install here.
  if (process.env.SANDBOX_PROVIDER === 'daytona') return;
  const missing = missingSandboxPackages();
  if (missing.length === 0) return;
  try {
    if (aptInstall(missing, { why: 'Local sandboxes run model code under them' })) return;
  } catch (error) {
    console.error(`Could not install ${missing.join(' ')}: ${error.message}`);
  }
  console.warn(`Local sandboxes need ${missing.join(' ')}: install with sudo apt-get install -y ${missing.join(' ')} (or set DAYTONA_API_KEY to use Daytona).`);
}

if (import.meta.url === `file://${process.argv[1]}`) ensureSandboxDeps();
