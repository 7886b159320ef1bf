// Registry fan-out: one `/api/packages` request asks the npm registry about up to 200 names, and
// the limit counted requests, so 320 requests made 64,001 upstream look-ups. The budget counts
// names looked up (per session and per address, per minute); names already known cost nothing;
// the answer says which names were not looked up, and the router's lists decide for those.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseServerEnv } from '~/lib/env.server';
import { RateLimits } from '~/lib/http/rate-limits.server';
import { Sessions } from '~/lib/http/session.server';
import { RegistryLookup } from '~/lib/routing/registry-lookup.server';
import { loader } from '~/routes/api.packages';
import { FakeRegistry } from '../fakes/fake-registry';

const REGISTRY_PORT = 24220;
const ADDRESS = '198.51.100.90';
const env = parseServerEnv({});
const sessions = new Sessions('package-lookups-session-secret-0123456789abcdef', false);
const upstream = new FakeRegistry();
let registry: RegistryLookup;
let limits: RateLimits;

interface Answer {
  packages: Record<string, { needsServer: string | null } | null>;
  notLookedUp?: string[];
  note?: string;
}

beforeAll(async () => {
  registry = new RegistryLookup({ registryUrl: await upstream.start(REGISTRY_PORT) });
  limits = new RateLimits({ chatPerSession: 20, chatPerIp: 60, createsPerSession: 5, createsPerIp: 20 });
});
afterAll(() => upstream.stop());

async function ask(names: string[], cookie: string) {
  const request = new Request(`http://localhost/api/packages?names=${encodeURIComponent(names.join(','))}`, { headers: { cookie } });
  const response = await loader({ request, params: {}, context: { env, sessions, limits, registry, clientIp: ADDRESS } as never });
  return { status: response.status, body: (await response.json()) as Answer };
}

async function newCookie() {
  return (await sessions.get(new Request('http://localhost/'))).setCookie!.split(';')[0];
}

describe('/api/packages: registry look-ups are counted by name', () => {
  it('bounds upstream look-ups from one address, says which names were not looked up, and answers known names for free', async () => {
    // Six browser sessions on one address, ten requests each, 200 names never asked before in each.
    const cookies = await Promise.all(Array.from({ length: 6 }, newCookie));
    const firstNames = Array.from({ length: 200 }, (_, i) => `made-up-0-${i}`);
    const answers: Array<{ status: number; body: Answer }> = [];
    for (let request = 0; request < 60; request++) {
      const names = request === 0 ? firstNames : Array.from({ length: 200 }, (_, i) => `made-up-${request}-${i}`);
      answers.push(await ask(names, cookies[request % cookies.length]));
    }
    const afterAttack = upstream.requests.length;
    const limited = answers.find((a) => (a.body.notLookedUp?.length ?? 0) > 0);
    console.log(`60 requests × 200 names: ${afterAttack} upstream look-ups; statuses ${JSON.stringify(Object.fromEntries(answers.map((a) => a.status).reduce((m, s) => m.set(s, (m.get(s) ?? 0) + 1), new Map<number, number>())))}; first limited answer: ${limited ? `${limited.body.notLookedUp!.length} names not looked up, "${limited.body.note}"` : 'none'}`);
    expect(afterAttack).toBeLessThanOrEqual(1000);

    // A request past the budget: answered, with the names that were not looked up (null: the lists decide).
    expect(limited?.status).toBe(200);
    expect(limited?.body.note).toMatch(/^Too many package look-ups (from your network )?in the last minute: \d+ names? not looked up; the built-in lists decide for (them|it)\.$/);
    const skipped = limited!.body.notLookedUp!;
    expect(skipped.every((name) => limited!.body.packages[name] === null)).toBe(true);

    // Names the server already knows cost nothing and are answered, budget or not.
    const again = await ask(firstNames.slice(0, 50), cookies[0]);
    expect(again.status).toBe(200);
    expect(again.body.notLookedUp ?? []).toEqual([]);
    expect(Object.values(again.body.packages).every((verdict) => verdict !== null)).toBe(true);
    expect(upstream.requests.length).toBe(afterAttack);
  }, 120_000);
});
