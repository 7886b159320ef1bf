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
    expect(registry.requests.sort()).toEqual(['/@swc%2Fcore/latest', '/react/latest', '/zeromq/latest']);
  });

  it('answers "no server needed" for a package the registry does not know, and never asks about invalid names', async () => {
    const lookup = new RegistryLookup({ registryUrl: url });
    expect(await lookup.lookup(['no-such-package-here', '../../admin'])).toEqual({ 'no-such-package-here': { name: 'no-such-package-here', needsServer: null }, '../../admin': null });
    expect(registry.requests).toEqual(['/no-such-package-here/latest']);
  });

  it('says which names would cost a registry request: not the cached, the invalid or the repeated', async () => {
    const lookup = new RegistryLookup({ registryUrl: url });
    await lookup.lookup(['react']);
    expect(lookup.uncached(['react', 'zeromq', '../../admin', 'zeromq'])).toEqual(['zeromq']);
    expect(registry.requests).toEqual(['/react/latest']);
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
    expect(registry.requests.filter((r) => r === '/react/latest')).toHaveLength(2);
    expect(registry.requests.filter((r) => r === '/ws/latest')).toHaveLength(1);
  });
});
