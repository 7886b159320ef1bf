// Token pastes without end: 10,000 cookie-less `PUT /api/github/token` from one address filled
// the server's map of pasted tokens and evicted a victim's, who then silently fell back to the
// server's token. Pastes are rate-limited per session and per address (a cookie-less request
// counts under its address), so the victim's token stays.
import { describe, expect, it } from 'vitest';
import { parseServerEnv } from '~/lib/env.server';
import { RateLimits } from '~/lib/http/rate-limits.server';
import { Sessions } from '~/lib/http/session.server';
import { action, loader } from '~/routes/api.github.token';

const env = parseServerEnv({ GITHUB_TOKEN: 'ghp_server0000000000000000000000000000' });
const sessions = new Sessions('token-pastes-session-secret-0123456789abcdef', false);
const limits = new RateLimits({ chatPerSession: 20, chatPerIp: 60, createsPerSession: 5, createsPerIp: 20 });
const context = (clientIp: string) => ({ env, sessions, limits, clientIp }) as never;

function put(token: string, clientIp: string, cookie?: string) {
  const request = new Request('http://localhost/api/github/token', { method: 'PUT', headers: { 'content-type': 'application/json', ...(cookie ? { cookie } : {}) }, body: JSON.stringify({ token }) });
  return action({ request, params: {}, context: context(clientIp) });
}

async function source(cookie: string, clientIp: string) {
  const response = await loader({ request: new Request('http://localhost/api/github/token', { headers: { cookie } }), params: {}, context: context(clientIp) });
  return ((await response.json()) as { source: string | null }).source;
}

describe('GitHub token pastes', () => {
  it("refuses 10,000 cookie-less pastes from one address after the limit, and the victim's token stays", async () => {
    // The victim pastes a token in their own session, from their own address.
    const victimSession = await sessions.get(new Request('http://localhost/'));
    const victim = victimSession.setCookie!.split(';')[0];
    expect((await put('ghp_victim00000000000000000000000000000', '203.0.113.20', victim)).status).toBe(200);
    expect(await source(victim, '203.0.113.20')).toBe('session');

    const statuses = new Map<number, number>();
    let refusal: { error?: string; retryAfter: string | null } | undefined;
    for (let i = 0; i < 10_000; i++) {
      const response = await put(`ghp_attacker${String(i).padStart(28, '0')}`, '198.51.100.66');
      statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
      if (response.status === 429 && !refusal) refusal = { error: ((await response.json()) as { error?: string }).error, retryAfter: response.headers.get('retry-after') };
    }
    const victimSource = await source(victim, '203.0.113.20');
    console.log(`10,000 cookie-less pastes: ${JSON.stringify(Object.fromEntries(statuses))}; refusal: ${JSON.stringify(refusal)}; the victim's token: ${victimSource}`);
    expect(statuses.get(200) ?? 0).toBeLessThanOrEqual(10);
    expect(refusal?.error).toMatch(/^Too many tokens \(GitHub, Netlify, Vercel\) pasted (from your network )?in the last hour\. Wait \d+ min and try again\.$/);
    expect(Number(refusal?.retryAfter)).toBeGreaterThan(60);
    expect(victimSource).toBe('session');
  }, 120_000);

  it('limits one session with a cookie too, and leaves reading and forgetting the token alone', async () => {
    const session = await sessions.get(new Request('http://localhost/'));
    const cookie = session.setCookie!.split(';')[0];
    const statuses: number[] = [];
    for (let i = 0; i < 30; i++) statuses.push((await put(`ghp_again${String(i).padStart(31, '0')}`, '203.0.113.30', cookie)).status);
    console.log(`30 pastes in one session: ${statuses.filter((s) => s === 200).length} accepted`);
    expect(statuses.filter((s) => s === 200).length).toBeLessThanOrEqual(10);
    expect(statuses.at(-1)).toBe(429);
    expect(await source(cookie, '203.0.113.30')).toBe('session');
    const forget = await action({ request: new Request('http://localhost/api/github/token', { method: 'DELETE', headers: { cookie } }), params: {}, context: context('203.0.113.30') });
    expect(forget.status).toBe(200);
  });
});
