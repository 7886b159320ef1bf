import { describe, expect, it } from 'vitest';
import { addressKey, BindingLimits, RateLimits, type RateLimitBinding } from './rate-limits.server';

const limits = () => new RateLimits({ chatPerSession: 2, chatPerIp: 3, createsPerSession: 1, createsPerIp: 5, windowS: 1 });

describe('RateLimits', () => {
  it('limits each session, with a clear 429 and Retry-After', async () => {
    const l = limits();
    await l.take('chat', 's1', 'ip1');
    await l.take('chat', 's1', 'ip1');
    await expect(l.take('chat', 's1', 'ip1')).rejects.toMatchObject({ status: 429, message: expect.stringMatching(/faster than this server allows\. Wait 1 s/), headers: { 'Retry-After': '1' } });
  });

  it('limits each IP address across sessions', async () => {
    const l = limits();
    await l.take('chat', 's1', 'ip1');
    await l.take('chat', 's2', 'ip1');
    await l.take('chat', 's3', 'ip1');
    await expect(l.take('chat', 's4', 'ip1')).rejects.toMatchObject({ status: 429, message: expect.stringMatching(/^Your network/) });
    await expect(l.take('chat', 's5', 'ip2')).resolves.toBeUndefined();
  });

  it('counts chat and sandbox creation separately, and forgets after the window', async () => {
    const l = limits();
    await l.take('create', 's1', 'ip1');
    await expect(l.take('create', 's1', 'ip1')).rejects.toMatchObject({ message: expect.stringMatching(/Too many sandboxes created in the last minute/) });
    await expect(l.take('chat', 's1', 'ip1')).resolves.toBeUndefined();
    await new Promise((r) => setTimeout(r, 1100));
    await expect(l.take('create', 's1', 'ip1')).resolves.toBeUndefined();
  });

  it('grants names up to what is left of the budget, per session and then per address, and says which limit stopped the rest', async () => {
    const l = limits();
    expect(await l.takeUpTo('packageNames', 's1', 'ip1', 250)).toEqual({ granted: 250, refusal: undefined });
    expect(await l.takeUpTo('packageNames', 's1', 'ip1', 100)).toEqual({ granted: 50, refusal: 'Too many package look-ups in the last minute' });
    expect(await l.takeUpTo('packageNames', 's1', 'ip1', 10)).toEqual({ granted: 0, refusal: 'Too many package look-ups in the last minute' });
    // What a session could not use went back to the address's budget: 300 spent there, 700 left.
    expect((await l.takeUpTo('packageNames', 's2', 'ip1', 300)).granted).toBe(300);
    expect((await l.takeUpTo('packageNames', 's3', 'ip1', 300)).granted).toBe(300);
    expect(await l.takeUpTo('packageNames', 's4', 'ip1', 300)).toEqual({ granted: 100, refusal: 'Too many package look-ups from your network in the last minute' });
    // The session's unused share of that request was given back too.
    expect((await l.takeUpTo('packageNames', 's4', 'ip2', 300)).granted).toBe(200);
    expect(await l.takeUpTo('packageNames', 's5', 'ip1', 0)).toEqual({ granted: 0, refusal: undefined });
  });

  it('counts token pastes per hour and says so in minutes', async () => {
    const l = new RateLimits({ chatPerSession: 2, chatPerIp: 3, createsPerSession: 1, createsPerIp: 5 });
    for (let i = 0; i < 10; i++) await l.take('githubToken', 's1', 'ip1');
    await expect(l.take('githubToken', 's1', 'ip1')).rejects.toMatchObject({ status: 429, message: 'Too many tokens (GitHub, Netlify, Vercel) pasted in the last hour. Wait 60 min and try again.', headers: { 'Retry-After': expect.stringMatching(/^3[56]\d\d$/) } });
    await expect(l.take('share', 's1', 'ip1')).resolves.toBeUndefined();
  });

  it('counts a whole IPv6 /64 as one address, so rotating through it gains nothing', async () => {
    expect(addressKey('2001:db8:1:2:aaaa::1')).toBe('2001:db8:1:2::/64');
    expect(addressKey('2001:0db8:0001:0002:ffff:0:0:9')).toBe('2001:db8:1:2::/64');
    expect(addressKey('::1')).toBe('0:0:0:0::/64');
    expect(addressKey('::ffff:203.0.113.9')).toBe('203.0.113.9');
    expect(addressKey('203.0.113.9')).toBe('203.0.113.9');
    const l = limits();
    for (let i = 1; i <= 3; i++) await l.take('chat', `s${i}`, `2001:db8:1:2::${i}`);
    await expect(l.take('chat', 's9', '2001:db8:1:2:ffff::9')).rejects.toMatchObject({ status: 429 });
  });
});

/** Cloudflare's binding as it behaves: a fixed number of calls per key per period. */
function fakeBinding(limit: number): RateLimitBinding & { keys: string[] } {
  const counts = new Map<string, number>();
  const keys: string[] = [];
  return {
    keys,
    async limit({ key }) {
      keys.push(key);
      counts.set(key, (counts.get(key) ?? 0) + 1);
      return { success: counts.get(key)! <= limit };
    },
  };
}

describe('BindingLimits (Cloudflare Pages)', () => {
  it("counts a kind with a binding by the binding, per session and per address, and the rest by the isolate's own counters", async () => {
    const chat = fakeBinding(2);
    const l = new BindingLimits({ chat }, limits());
    await l.take('chat', 's1', '2001:db8:1:2::1');
    await l.take('chat', 's1', '2001:db8:1:2::7');
    await expect(l.take('chat', 's1', '2001:db8:1:2::9')).rejects.toMatchObject({ status: 429, message: expect.stringMatching(/^You are sending messages faster than this server allows\. Wait 60 s/), headers: { 'Retry-After': '60' } });
    // One /64 is one address, whatever the session.
    await expect(l.take('chat', 's2', '2001:db8:1:2::5')).rejects.toMatchObject({ status: 429, message: expect.stringMatching(/^Your network/) });
    expect(chat.keys.slice(0, 2)).toEqual(['chat:session:s1', 'chat:ip:2001:db8:1:2::/64']);
    // No binding for sandbox creation here: the isolate's counters (1 per session) decide.
    await l.take('create', 's1', 'ip1');
    await expect(l.take('create', 's1', 'ip1')).rejects.toMatchObject({ status: 429 });
    expect(chat.keys.every((key) => key.startsWith('chat:'))).toBe(true);
  });

  it('counts names with a binding one call each, granting what it allows', async () => {
    const names = fakeBinding(5);
    const l = new BindingLimits({ packageNames: names }, limits());
    expect(await l.takeUpTo('packageNames', 's1', 'ip1', 3)).toEqual({ granted: 3, refusal: undefined });
    expect(await l.takeUpTo('packageNames', 's1', 'ip1', 4)).toEqual({ granted: 2, refusal: 'Too many package look-ups in the last minute' });
    expect(names.keys.filter((key) => key === 'packageNames:session:s1')).toHaveLength(7);
    // Without a binding: the isolate's own counters.
    expect((await l.takeUpTo('share', 's1', 'ip1', 2)).granted).toBe(2);
  });
});
