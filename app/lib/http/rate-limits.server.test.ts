import { describe, expect, it } from 'vitest';
import { addressKey, RateLimits } from './rate-limits.server';

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
