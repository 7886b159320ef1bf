#!/usr/bin/env node
// Makes sure what the tests need is on this machine: a Chromium for the end-to-end tests,
// bubblewrap for sandboxed commands and slirp4netns for their own networks, git for the
// repository flows (the loopback GitHub is git http-backend). Installs Debian's packages when missing and running as root;
// otherwise says what to install. Prints the browser path it found.
import { existsSync } from 'node:fs';
import { aptInstall, has, missingSandboxPackages } from './ensure-sandbox-deps.mjs';

const BROWSERS = ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'];

export function findChromium() {
  const candidates = [process.env.CHROME_PATH, ...BROWSERS].filter(Boolean);
  return candidates.find((path) => existsSync(path));
}

export function ensureTestDeps() {
  const missing = missingSandboxPackages();
  if (!findChromium()) missing.push('chromium');
  if (!has('git')) missing.push('git');
  if (missing.length > 0 && !aptInstall(missing, { why: 'needed by the tests' })) {
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
