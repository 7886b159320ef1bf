import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakeRegistry } from '../../../tests/fakes/fake-registry';
import { RegistryLookup } from './registry-lookup.server';

describe('RegistryLookup', () => {
  let registry: FakeRegistry;
  let url: string;
  beforeEach(async () => {
    registry = new FakeRegistry();
    url = await registry.start();
  });
  afterEach(() => registry.stop());

  it('judges packages from their manifests, asking the registry once per package', async () => {
    const lookup = new RegistryLookup({ registryUrl: url });
    const first = await lookup.lookup(['zeromq', '@swc/core', 'react', 'zeromq']);
    expect(first).toEqual({
      zeromq: { name: 'zeromq', needsServer: 'zeromq compiles a native addon when it installs' },
      '@swc/core': { name: '@swc/core', needsServer: null },
      react: { name: 'react', needsServer: null },
    });
    await lookup.lookup(['zeromq', 'react']);
    // The packument for each; the full manifest only where it says there is an install script.
    expect(registry.requests.sort()).toEqual(['/@swc%2Fcore', '/@swc%2Fcore/1.16.22', '/react', '/zeromq', '/zeromq/6.8.0']);
  });

  it('judges the version the range asks for, not latest: typescript ~5.8 stays in the browser, typescript 7 (latest) ships binaries', async () => {
    const lookup = new RegistryLookup({ registryUrl: url });
    expect(await lookup.lookup(['typescript@~5.8.3'])).toEqual({ typescript: { name: 'typescript', needsServer: null } });
    expect((await lookup.lookup(['typescript']))['typescript']!.needsServer).toMatch(/^typescript ships a native binary per platform/);
    expect((await lookup.lookup(['typescript@^7.0.0']))['typescript']!.needsServer).toMatch(/native binary/);
    // A tag, a URL, or a range nothing satisfies: latest for the first two, unknown for the last.
    expect((await lookup.lookup(['typescript@latest']))['typescript']!.needsServer).toMatch(/native binary/);
    expect((await lookup.lookup(['typescript@github:microsoft/TypeScript']))['typescript']!.needsServer).toMatch(/native binary/);
    expect(await lookup.lookup(['typescript@^99'])).toEqual({ typescript: null });
    // One packument for all of them: the versions are cached.
    expect(registry.requests.filter((r) => r === '/typescript')).toHaveLength(1);
  });

  it('answers "no server needed" for a package the registry does not know, and never asks about invalid names', async () => {
    const lookup = new RegistryLookup({ registryUrl: url });
    expect(await lookup.lookup(['no-such-package-here', '../../admin'])).toEqual({ 'no-such-package-here': { name: 'no-such-package-here', needsServer: null }, '../../admin': null });
    expect(registry.requests).toEqual(['/no-such-package-here']);
  });

  it('says which names would cost a registry request: not the cached, the invalid or the repeated', async () => {
    const lookup = new RegistryLookup({ registryUrl: url });
    await lookup.lookup(['react']);
    expect(lookup.uncached(['react', 'zeromq', '../../admin', 'zeromq'])).toEqual(['zeromq']);
    expect(registry.requests).toEqual(['/react']);
  });

  it('gives up on a stalled registry within its time limit, answering unknown', async () => {
    registry.delayMs = Infinity;
    const lookup = new RegistryLookup({ registryUrl: url, timeoutMs: 300 });
    const began = Date.now();
    expect(await lookup.lookup(['zeromq', 'puppeteer'])).toEqual({ zeromq: null, puppeteer: null });
    expect(Date.now() - began).toBeLessThan(2000);
  });

  it('answers unknown when the registry is down', async () => {
    await registry.stop();
    const lookup = new RegistryLookup({ registryUrl: url, timeoutMs: 1000 });
    expect(await lookup.lookup(['zeromq'])).toEqual({ zeromq: null });
  });

  it('keeps at most maxEntries answers, dropping the oldest', async () => {
    const lookup = new RegistryLookup({ registryUrl: url, maxEntries: 2 });
    await lookup.lookup(['react']);
    await lookup.lookup(['express']);
    await lookup.lookup(['ws']);
    await lookup.lookup(['ws', 'express', 'react']);
    expect(registry.requests.filter((r) => r === '/react')).toHaveLength(2);
    expect(registry.requests.filter((r) => r === '/ws')).toHaveLength(1);
  });
});
