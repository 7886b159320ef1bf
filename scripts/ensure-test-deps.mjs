#!/usr/bin/env node
// Makes sure what the tests need is on this machine: a Chromium for the end-to-end tests,
// bubblewrap for sandboxed commands and slirp4netns for their own networks, git for the
// repository flows (the loopback GitHub is git http-backend). Installs Debian's packages when missing and running as root;
// otherwise says what to install. Prints the browser path it found.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const BROWSERS = ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'];

export function findChromium() {
  const candidates = [process.env.CHROME_PATH, ...BROWSERS].filter(Boolean);
  return candidates.find((path) => existsSync(path));
}

function has(command) {
  return spawnSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' }).status === 0;
}

function aptInstall(packages) {
  const root = process.getuid?.() === 0;
  if (!root || !has('apt-get')) return false;
  console.log(`Installing ${packages.join(' ')} from Debian (needed by the tests)…`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  execFileSync('apt-get', ['update', '-qq'], { stdio: 'inherit', env });
  execFileSync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...packages], { stdio: 'inherit', env });
  return true;
}

export function ensureTestDeps() {
  const missing = [];
  if (!findChromium()) missing.push('chromium');
  if (!has('bwrap')) missing.push('bubblewrap');
  // Per-sandbox networks are made only by a root server: elsewhere they are not tested.
  if (process.getuid?.() === 0 && !has('slirp4netns')) missing.push('slirp4netns');
  if (!has('git')) missing.push('git');
  if (missing.length > 0 && !aptInstall(missing)) {
    console.error(`Missing ${missing.join(', ')}. Install with: sudo apt-get install -y ${missing.join(' ')} (or set CHROME_PATH to a Chromium binary).`);
  }
  const chromium = findChromium();
  if (!chromium) throw new Error('No Chromium found: the end-to-end tests cannot run (they fail rather than skip). Install chromium or set CHROME_PATH.');
  return chromium;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  try {
    console.log(`chromium: ${ensureTestDeps()}`);
  } catch (error) {
    console.error(error.message);
    process.exit(1);
  }
}
