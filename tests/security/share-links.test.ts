// Share links without end: 15,000 create/revoke pairs made a 976 KB label map, every operation
// slower than the last. Creating and revoking is rate-limited per session and per address (a
// sentence and Retry-After past it), a sandbox has a bounded number of live links, and revoked or
// expired links' labels are pruned so the map stays small, in memory as in Daytona's labels.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseServerEnv } from '~/lib/env.server';
import { RateLimits } from '~/lib/http/rate-limits.server';
import { Sessions } from '~/lib/http/session.server';
import { DaytonaProvider } from '~/lib/sandbox/daytona/daytona-provider.server';
import { SandboxService } from '~/lib/sandbox/sandbox-service.server';
import type { SandboxProvider } from '~/lib/sandbox/sandbox-provider.server';
import { action as sharesAction } from '~/routes/api.sandboxes.$id.shares';
import { action as shareAction } from '~/routes/api.sandboxes.$id.shares.$shareId';
import { FakeDaytona } from '../fakes/fake-daytona';
import { MemoryProvider } from '../fakes/memory-provider';

const DAYTONA_PORT = 24210;
const env = parseServerEnv({});
const sessions = new Sessions('share-links-session-secret-0123456789abcdef', false);

function serviceOn(provider: SandboxProvider, now: () => number = Date.now) {
  return new SandboxService(provider, { secret: 'share-links-secret-0123456789abcdef', previewHost: 'localhost:5173', previewScheme: 'http', maxPerSession: 100, maxTotal: 1000, idleTtlMs: 3_600_000, defaultShareTtlHours: 24, now });
}

/** A browser session (its cookie) with a sandbox of its own. */
async function owner(service: SandboxService) {
  const session = await sessions.get(new Request('http://localhost/'));
  const sandbox = await service.create(session.owner, 'shared');
  return { cookie: session.setCookie!.split(';')[0], owner: session.owner, sandboxId: sandbox.id };
}

/** What server.ts hands the routes, for a client at `clientIp`. */
const contextFor = (service: SandboxService, limits: RateLimits, clientIp: string) => ({ env, sandboxes: service, sessions, limits, clientIp }) as never;

async function createShare(service: SandboxService, limits: RateLimits, who: { cookie: string; sandboxId: string }, ip: string) {
  const request = new Request(`http://localhost/api/sandboxes/${who.sandboxId}/shares`, { method: 'POST', headers: { 'content-type': 'application/json', cookie: who.cookie }, body: '{}' });
  const response = await sharesAction({ request, params: { id: who.sandboxId }, context: contextFor(service, limits, ip) });
  return { status: response.status, retryAfter: response.headers.get('retry-after'), body: (await response.json()) as { id?: string; error?: string } };
}

async function revokeShare(service: SandboxService, limits: RateLimits, who: { cookie: string; sandboxId: string }, ip: string, shareId: string) {
  const request = new Request(`http://localhost/api/sandboxes/${who.sandboxId}/shares/${shareId}`, { method: 'DELETE', headers: { cookie: who.cookie } });
  const response = await shareAction({ request, params: { id: who.sandboxId, shareId }, context: contextFor(service, limits, ip) });
  return { status: response.status, body: (await response.json()) as { error?: string } };
}

const limitsNow = () => new RateLimits({ chatPerSession: 20, chatPerIp: 60, createsPerSession: 5, createsPerIp: 20 });
const shareLabels = (labels: Record<string, string>) => Object.entries(labels).filter(([key]) => key.startsWith('share-'));

describe('share links: creating and revoking without end', () => {
  it('refuses one session past the rate limit, with a sentence and Retry-After, and counts revoking too', async () => {
    const service = serviceOn(new MemoryProvider());
    const limits = limitsNow();
    const alice = await owner(service);
    const statuses: number[] = [];
    let refusal: { error?: string; retryAfter: string | null } | undefined;
    for (let pair = 0; pair < 200 && !refusal; pair++) {
      const created = await createShare(service, limits, alice, '198.51.100.7');
      statuses.push(created.status);
      if (created.status !== 200) refusal = { error: created.body.error, retryAfter: created.retryAfter };
      else {
        const revoked = await revokeShare(service, limits, alice, '198.51.100.7', created.body.id!);
        statuses.push(revoked.status);
        if (revoked.status !== 200) refusal = { error: revoked.body.error, retryAfter: null };
      }
    }
    const allowed = statuses.filter((s) => s === 200).length;
    console.log(`one session: ${allowed} create/revoke operations allowed of ${statuses.length}; refusal: ${JSON.stringify(refusal)}`);
    expect(refusal?.error).toMatch(/^Too many share links created or revoked in the last minute\. Wait \d+ s and try again\.$/);
    expect(refusal?.retryAfter).toMatch(/^\d+$/);
    expect(allowed).toBeLessThanOrEqual(30);
  });

  it('refuses an address past its limit whatever sessions it uses', async () => {
    const service = serviceOn(new MemoryProvider());
    const limits = limitsNow();
    let allowed = 0;
    let refusal: string | undefined;
    for (let i = 0; i < 100 && !refusal; i++) {
      const someone = await owner(service);
      const created = await createShare(service, limits, someone, '198.51.100.8');
      if (created.status === 200) allowed += 1;
      else refusal = created.body.error;
    }
    console.log(`one address, a new session each time: ${allowed} links allowed; refusal: ${refusal}`);
    expect(refusal).toMatch(/^Too many share links created or revoked from your network in the last minute\./);
    expect(allowed).toBeLessThanOrEqual(60);
  });

  it('caps live links per sandbox with a sentence', async () => {
    const service = serviceOn(new MemoryProvider());
    const alice = await owner(service);
    for (let i = 0; i < 20; i++) await service.createShare(alice.owner, alice.sandboxId);
    await expect(service.createShare(alice.owner, alice.sandboxId)).rejects.toMatchObject({ status: 429, message: 'This sandbox already has 20 active share links. Revoke one and try again.' });
  });
});

describe('share links: the labels stay bounded', () => {
  it('prunes revoked and expired links, keeping the last few revoked ones answering 410', async () => {
    let now = Date.UTC(2026, 0, 1);
    const provider = new MemoryProvider(() => now);
    const service = serviceOn(provider, () => now);
    const alice = await owner(service);
    const revoked: string[] = [];
    // 2,000 pairs: what the rate limit still lets one session do in a few hours.
    for (let pair = 0; pair < 2000; pair++) {
      const share = await service.createShare(alice.owner, alice.sandboxId, 1);
      await service.revokeShare(alice.owner, alice.sandboxId, share.id);
      revoked.push(share.url);
      now += 1000;
    }
    // Links that simply expire are pruned too.
    for (let i = 0; i < 10; i++) await service.createShare(alice.owner, alice.sandboxId, 1);
    now += 2 * 3_600_000;
    const live = await service.createShare(alice.owner, alice.sandboxId, 24);
    const labels = provider.sandboxes.get(alice.sandboxId)!.labels;
    const figures = { shareLabels: shareLabels(labels).length, labelBytes: JSON.stringify(labels).length };
    console.log(`after 2,000 create/revoke pairs and 10 expired links: ${JSON.stringify(figures)}`);
    expect(figures.shareLabels).toBeLessThanOrEqual(40);
    expect(figures.labelBytes).toBeLessThan(4000);
    const token = (url: string) => new URL(url).hostname.split('.')[0];
    expect(await service.resolve(token(revoked.at(-1)!))).toMatchObject({ ok: false, status: 410, reason: 'revoked' });
    expect(await service.resolve(token(live.url))).toMatchObject({ ok: true, kind: 'share' });
  });

  describe('in Daytona (labels through the SDK, against the loopback fake)', () => {
    const fake = new FakeDaytona();
    let provider: DaytonaProvider;
    beforeAll(async () => {
      await fake.start(DAYTONA_PORT);
      provider = new DaytonaProvider({ apiKey: fake.apiKey, apiUrl: fake.apiUrl, target: 'us', idleTtlMin: 30, polling: true, retry: { baseDelayMs: 5, maxDelayMs: 200 }, pollIntervalMs: 40 });
    });
    afterAll(async () => {
      for (const s of await provider.list({ app: 'appforge' }).catch(() => [])) await provider.delete(s.id).catch(() => {});
      await provider.close();
      await fake.stop();
    });

    it("keeps the sandbox's labels bounded", async () => {
      const service = serviceOn(provider);
      const alice = await owner(service);
      for (let pair = 0; pair < 150; pair++) {
        const share = await service.createShare(alice.owner, alice.sandboxId, 1);
        await service.revokeShare(alice.owner, alice.sandboxId, share.id);
      }
      const labels = fake.sandboxes.get(alice.sandboxId)!.labels;
      const figures = { shareLabels: shareLabels(labels).length, labelBytes: JSON.stringify(labels).length };
      console.log(`Daytona, after 150 pairs: ${JSON.stringify(figures)}`);
      expect(figures.shareLabels).toBeLessThanOrEqual(40);
    }, 60_000);
  });
});
