import { describe, expect, it } from 'vitest';
import { MemoryProvider } from '../../../tests/fakes/memory-provider';
import { SandboxService } from './sandbox-service.server';
import { base32, OWNER_TOKEN_WINDOW_MS, ownerTokenWindow, previewToken, TOKEN_PATTERN } from './tokens.server';

function setup(overrides: Partial<ConstructorParameters<typeof SandboxService>[1]> = {}) {
  let now = 1_000_000;
  const clock = { advance: (ms: number) => (now += ms) };
  const provider = new MemoryProvider(() => now);
  const service = new SandboxService(provider, {
    secret: 'test-secret-test-secret-test-secret',
    previewHost: 'localhost:5173',
    previewScheme: 'http',
    maxPerSession: 2,
    maxTotal: 3,
    idleTtlMs: 30 * 60_000,
    defaultShareTtlHours: 24,
    now: () => now,
    ...overrides,
  });
  return { service, provider, clock };
}

const tokenOf = (url: string) => new URL(url).hostname.split('.')[0];

describe('SandboxService', () => {
  it('labels sandboxes with their owner and hides them from other owners', async () => {
    const { service } = setup();
    const mine = await service.create('alice', 'p1');
    await expect(service.get('bob', mine.id)).rejects.toThrow(/does not exist/);
    await expect(service.delete('bob', mine.id)).rejects.toThrow(/does not exist/);
    expect((await service.list('bob')).length).toBe(0);
    expect((await service.get('alice', mine.id)).project).toBe('p1');
  });

  it("makes room for a person's new project by stopping their least recently used sandbox, never someone else's; the total cap still refuses", async () => {
    const { service, provider, clock } = setup();
    const first = await service.create('alice', 'a');
    const second = await service.create('alice', 'b');
    clock.advance(60_000);
    service.touch(first.id); // a is the one in use; b is the least recently used
    const third = await service.create('alice', 'c');
    expect(await service.get('alice', second.id)).toMatchObject({ state: 'stopped', stoppedReason: 'it was stopped to make room for another of your projects' });
    expect((await service.get('alice', first.id)).state).toBe('started');
    expect((await service.get('alice', third.id)).state).toBe('started');
    // The server's total (3) is reached: bob is refused, and alice's sandboxes do not make room for him.
    await service.create('bob', 'x');
    await expect(service.create('carol', 'a')).rejects.toMatchObject({ status: 429, message: expect.stringMatching(/as many sandboxes/) });
    expect([...provider.sandboxes.values()].filter((s) => s.state === 'started')).toHaveLength(3);
    // Reopening b's chat starts it again, and stops the least recently used of alice's others.
    clock.advance(60_000);
    service.touch(third.id);
    expect(await service.resume('alice', second.id)).toMatchObject({ state: 'started' });
    expect(provider.resumed).toEqual([second.id]);
    expect((await service.get('alice', second.id)).stoppedReason).toBeUndefined();
    expect((await service.get('alice', first.id)).state).toBe('stopped');
  });

  it('counts only running sandboxes against the caps: stopped leftovers lock nobody out', async () => {
    const { service, provider } = setup({ maxPerSession: 2, maxTotal: 3 });
    for (let i = 0; i < 20; i++) await provider.create({ app: 'appforge', owner: i < 10 ? 'alice' : `old${i}`, project: 'p' });
    for (const sandbox of provider.sandboxes.values()) sandbox.state = 'stopped';
    const made = await service.create('alice', 'new');
    const second = await service.create('alice', 'new2');
    service.touch(second.id);
    // A third of alice's stops her least recently used one rather than refusing her.
    await service.create('alice', 'new3');
    expect(provider.sandboxes.get(made.id)!.state).toBe('stopped');
    await service.create('bob', 'p');
    await expect(service.create('carol', 'p')).rejects.toMatchObject({ status: 429, message: expect.stringMatching(/as many sandboxes/) });
    // A running sandbox that is stopped later frees its place.
    provider.sandboxes.get(second.id)!.state = 'stopped';
    await expect(service.create('carol', 'p')).resolves.toMatchObject({ project: 'p' });
  });

  it('counts a stopped sandbox that runs a command again: waking one stops another of the same person, and the total cap holds', async () => {
    const { service, provider } = setup({ maxPerSession: 2, maxTotal: 3 });
    const old1 = await service.create('alice', 'old1');
    await service.create('alice', 'old2');
    // The server restarts: both are stopped; two new ones fit.
    for (const sandbox of provider.sandboxes.values()) sandbox.state = 'stopped';
    const new1 = await service.create('alice', 'new1');
    await service.create('alice', 'new2');
    await expect(service.exec('alice', old1.id, 'true', {})).resolves.toMatchObject({ exitCode: 0 });
    expect([...provider.sandboxes.values()].filter((s) => s.state === 'started').map((s) => s.id).sort()).toEqual([old1.id, (await service.list('alice')).find((s) => s.project === 'new2')!.id].sort());
    expect(provider.sandboxes.get(new1.id)!.state).toBe('stopped');
    // Someone else's running sandboxes are never stopped for alice: with the total reached by them, she is refused.
    const bob = await service.create('bob', 'p');
    await expect(service.create('carol', 'p')).rejects.toMatchObject({ status: 429, message: expect.stringMatching(/as many sandboxes/) });
    expect(provider.sandboxes.get(bob.id)!.state).toBe('started');
  });

  it('holds the caps when a list is older than creations that finished meanwhile', async () => {
    const { service, provider } = setup({ maxPerSession: 100, maxTotal: 2 });
    await service.create('a', 'p');
    // The provider answers lists from before the second creation (as a slow or cached list would).
    const stale = await provider.list({ app: 'appforge' });
    provider.list = async () => stale.map((s) => structuredClone(s));
    await service.create('b', 'p');
    await expect(service.create('c', 'p')).rejects.toMatchObject({ status: 429 });
  });

  it('holds the caps under concurrent creations', async () => {
    const { service, provider } = setup({ maxPerSession: 100, maxTotal: 3 });
    const results = await Promise.allSettled(Array.from({ length: 10 }, (_, i) => service.create(`owner${i}`, 'p')));
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(3);
    expect(results.filter((r) => r.status === 'rejected').every((r) => (r as PromiseRejectedResult).reason.status === 429)).toBe(true);
    expect(provider.sandboxes.size).toBe(3);
  });

  it('resolves preview tokens, and share tokens until they expire or are revoked', async () => {
    const { service, clock } = setup();
    const box = await service.create('alice', 'p');
    expect(tokenOf(box.previewUrl)).toMatch(TOKEN_PATTERN);
    expect(await service.resolve(tokenOf(box.previewUrl))).toEqual({ ok: true, sandboxId: box.id, kind: 'owner' });
    const share = await service.createShare('alice', box.id, 1);
    expect(await service.resolve(tokenOf(share.url))).toEqual({ ok: true, sandboxId: box.id, kind: 'share' });
    expect(await service.listShares('alice', box.id)).toEqual([{ id: share.id, expiresAt: share.expiresAt }]);
    clock.advance(3_600_001);
    expect(await service.resolve(tokenOf(share.url))).toMatchObject({ ok: false, status: 410 });
    expect(await service.listShares('alice', box.id)).toEqual([]);
    const other = await service.createShare('alice', box.id);
    await service.revokeShare('alice', box.id, other.id);
    expect(await service.resolve(tokenOf(other.url))).toMatchObject({ ok: false, status: 410, reason: 'revoked' });
    await expect(service.revokeShare('bob', box.id, other.id)).rejects.toThrow(/does not exist/);
    expect(await service.resolve('b'.repeat(32))).toMatchObject({ ok: false, status: 404 });
    expect(await service.resolve('../etc')).toMatchObject({ ok: false, status: 404 });
  });

  it('bounds active share links per sandbox, and forgets links dead for over a week', async () => {
    const { service, clock, provider } = setup();
    const box = await service.create('alice', 'p');
    const first = await service.createShare('alice', box.id, 1);
    await service.revokeShare('alice', box.id, first.id);
    for (let i = 0; i < 19; i++) await service.createShare('alice', box.id, 1);
    await service.createShare('alice', box.id, 24);
    await expect(service.createShare('alice', box.id)).rejects.toMatchObject({ status: 429, message: expect.stringMatching(/already has 20 active share links/) });
    const shareLabels = () => Object.keys(provider.sandboxes.get(box.id)!.labels).filter((k) => k.startsWith('share-')).length;
    expect(shareLabels()).toBe(21);
    // Eight days later: all of those have expired or been revoked for over a week.
    clock.advance(8 * 24 * 3_600_000 + 3_600_000);
    const fresh = await service.createShare('alice', box.id);
    expect(shareLabels()).toBe(1);
    expect(await service.resolve(tokenOf(fresh.url))).toMatchObject({ ok: true });
    expect(await service.resolve(tokenOf(first.url))).toMatchObject({ ok: false, status: 404 });
  });

  it('stores only a hash of each share token', async () => {
    const { service, provider } = setup();
    const box = await service.create('alice', 'p');
    const share = await service.createShare('alice', box.id);
    expect(JSON.stringify([...provider.sandboxes.values()])).not.toContain(tokenOf(share.url));
  });

  it('derives the same preview URL after a restart, and a different one with another secret', async () => {
    const { service, provider } = setup();
    const box = await service.create('alice', 'p');
    const again = new SandboxService(provider, { secret: 'test-secret-test-secret-test-secret', previewHost: 'localhost:5173', previewScheme: 'http', maxPerSession: 2, maxTotal: 3, idleTtlMs: 1, defaultShareTtlHours: 24, now: () => 1_000_000 });
    expect((await again.get('alice', box.id)).previewUrl).toBe(box.previewUrl);
    expect(await previewToken('another-secret', box.id, '', ownerTokenWindow(1_000_000))).not.toBe(tokenOf(box.previewUrl));
  });

  it("lets the owner's preview URL expire after 12 to 24 hours; the owner then gets a new one", async () => {
    const { service, clock } = setup();
    const box = await service.create('alice', 'p');
    const first = tokenOf(box.previewUrl);
    clock.advance(OWNER_TOKEN_WINDOW_MS - (1_000_000 % OWNER_TOKEN_WINDOW_MS) + 1); // into the next window
    expect(await service.resolve(first)).toMatchObject({ ok: true, sandboxId: box.id, kind: 'owner' });
    const second = tokenOf((await service.get('alice', box.id)).previewUrl);
    expect(second).not.toBe(first);
    clock.advance(OWNER_TOKEN_WINDOW_MS);
    expect(await service.resolve(first)).toMatchObject({ ok: false, status: 404 });
    expect(await service.resolve(second)).toMatchObject({ ok: true, sandboxId: box.id });
  });

  it("revokes the owner's preview URLs on request, for the owner only", async () => {
    const { service } = setup();
    const box = await service.create('alice', 'p');
    const old = tokenOf(box.previewUrl);
    await expect(service.renewPreview('bob', box.id)).rejects.toThrow(/does not exist/);
    expect(await service.resolve(old)).toMatchObject({ ok: true });
    const renewed = await service.renewPreview('alice', box.id);
    expect(await service.resolve(old)).toMatchObject({ ok: false, status: 404 });
    expect(await service.resolve(tokenOf(renewed.previewUrl))).toMatchObject({ ok: true, sandboxId: box.id, kind: 'owner' });
    expect((await service.get('alice', box.id)).previewUrl).toBe(renewed.previewUrl);
  });

  it('stops sandboxes idle past the TTL (kept, to start again), deletes them after days, and keeps the ones in use', async () => {
    const { service, provider, clock } = setup({ maxPerSession: 5, maxTotal: 5, deleteAfterMs: 72 * 3600_000 });
    const idle = await service.create('alice', 'idle');
    const busy = await service.create('alice', 'busy');
    clock.advance(20 * 60_000);
    service.touch(busy.id);
    clock.advance(11 * 60_000);
    expect(await service.reap()).toEqual({ stopped: [idle.id], deleted: [] });
    expect(await service.get('alice', idle.id)).toMatchObject({ state: 'stopped', stoppedReason: 'it was stopped after a while without use' });
    // Coming back after lunch: it starts again, files and data as they were.
    await service.resume('alice', idle.id);
    expect(provider.sandboxes.get(idle.id)!.state).toBe('started');
    clock.advance(73 * 3600_000);
    service.touch(busy.id);
    expect(await service.reap()).toEqual({ stopped: [], deleted: [idle.id] });
    expect([...provider.sandboxes.keys()]).toEqual([busy.id]);
  });

  it('leaves published apps running: the reaper keeps them, they make no room and take none, and their link outlives ordinary shares', async () => {
    const { service, provider, clock } = setup();
    const published = await service.create('alice', 'shop-published', undefined, undefined, { published: true });
    expect(published.published).toBe(true);
    // The per-session cap (2) counts only the building sandboxes: two more fit, and making room never stops the published one.
    await service.create('alice', 'a');
    clock.advance(1000);
    await service.create('alice', 'b');
    clock.advance(1000);
    await service.create('alice', 'c');
    expect(provider.sandboxes.get(published.id)?.state).toBe('started');
    const link = await service.createShare('alice', published.id, 100 * 365 * 24);
    clock.advance(40 * 24 * 3_600_000);
    const { stopped, deleted } = await service.reap();
    expect([...stopped, ...deleted]).not.toContain(published.id);
    expect(provider.sandboxes.get(published.id)?.state).toBe('started');
    expect(await service.resolve(tokenOf(link.url))).toEqual({ ok: true, sandboxId: published.id, kind: 'share' });
  });

  it('encodes tokens as DNS-safe base32', () => {
    expect(base32(Buffer.from('foobar'))).toBe('mzxw6ytboi');
  });
});
