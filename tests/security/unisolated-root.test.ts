// A root server without bubblewrap ran model code as host root with every capability after one
// warning line. Now it refuses Local sandboxes with a sentence, and the README's commands install
// bubblewrap and slirp4netns where they can (Debian/Ubuntu as root).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '~/lib/env.server';
import { LocalProvider } from '~/lib/sandbox/local/local-provider.server';
import { missingSandboxPackages } from '../../scripts/ensure-sandbox-deps.mjs';
import pkg from '../../package.json' with { type: 'json' };

describe('Local sandboxes as root without bubblewrap', () => {
  it('are refused with what to do, instead of running as host root', () => {
    expect(process.getuid?.()).toBe(0);
    const dataDir = mkdtempSync(join(tmpdir(), 'unisolated-'));
    const warnings: string[] = [];
    try {
      const make = () => new LocalProvider({ dataDir, portBase: 24480, commandTimeoutMs: 10_000, maxOutputBytes: 100_000, memoryMb: 512, useBwrap: false, log: (line: string) => void warnings.push(line) });
      expect(make).toThrow(ConfigError);
      expect(make).toThrow(/^Refusing to run Local sandboxes as root without bubblewrap: model code would run as host root\. Install it \(apt-get install bubblewrap slirp4netns/);
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('npm run dev and npm start install what is missing first (root: bubblewrap and slirp4netns; a user: bubblewrap)', () => {
    expect(pkg.scripts.predev).toBe('node scripts/ensure-sandbox-deps.mjs');
    expect(pkg.scripts.prestart).toBe('node scripts/ensure-sandbox-deps.mjs');
    expect(missingSandboxPackages({ isRoot: true, hasCommand: () => false })).toEqual(['bubblewrap', 'slirp4netns']);
    expect(missingSandboxPackages({ isRoot: false, hasCommand: () => false })).toEqual(['bubblewrap']);
    expect(missingSandboxPackages({ isRoot: true, hasCommand: () => true })).toEqual([]);
  });
});
