import { describe, expect, it } from 'vitest';
import { pagesLoadContext, pagesServices } from './pages-load-context';

const vars = { SESSION_SECRET: 'pages-unit-session-secret-0123456789abcdef', DAYTONA_API_KEY: 'dtn-unit', DAYTONA_API_URL: 'http://127.0.0.1:9/api', PORT: '8788', NOT_A_STRING: { limit: 1 } };

describe('the Pages load context', () => {
  it('makes the services once per configuration, so counters and caches live across requests', () => {
    const first = pagesServices(vars);
    expect(pagesServices({ ...vars })).toBe(first);
    expect(pagesServices({ ...vars, CHAT_RATE_PER_MINUTE: '5' })).not.toBe(first);
    const context = pagesLoadContext(new Request('https://app.test/', { headers: { 'cf-connecting-ip': '203.0.113.5' } }), vars);
    expect(context.clientIp).toBe('203.0.113.5');
    expect(context.env.NODE_ENV).toBe('production');
    expect(context.sandboxes.provider.name).toBe('daytona');
  });

  it('counts share links, token pastes and package names with their bindings when wrangler.toml declares them', async () => {
    const keys: string[] = [];
    // Cloudflare's binding as it behaves: a fixed number of calls per key.
    const binding = (limit: number) => {
      const calls = new Map<string, number>();
      return { limit: async ({ key }: { key: string }) => (keys.push(key), calls.set(key, (calls.get(key) ?? 0) + 1), { success: calls.get(key)! <= limit }) };
    };
    const { limits } = pagesServices({ ...vars, CHAT_RATE_PER_MINUTE: '7', SHARE_RATE_LIMITER: binding(1), GITHUB_TOKEN_RATE_LIMITER: binding(2), PACKAGE_NAMES_RATE_LIMITER: binding(10) });
    await limits.take('share', 's1', '203.0.113.5');
    await expect(limits.take('share', 's1', '203.0.113.5')).rejects.toMatchObject({ status: 429, message: expect.stringMatching(/^Too many share links created or revoked in the last minute/) });
    await limits.take('githubToken', 's1', '203.0.113.5');
    expect(await limits.takeUpTo('packageNames', 's1', '203.0.113.5', 4)).toEqual({ granted: 4, refusal: undefined });
    expect(keys).toContain('share:session:s1');
    expect(keys).toContain('githubToken:ip:203.0.113.5');
    expect(keys.filter((key) => key === 'packageNames:ip:203.0.113.5')).toHaveLength(4);
  });

  it('refuses what Pages cannot run, saying what to set', () => {
    expect(() => pagesServices({ ...vars, SANDBOX_PROVIDER: 'local' })).toThrow(/On Cloudflare Pages sandboxes run in Daytona only/);
    expect(() => pagesServices({ ...vars, DAYTONA_API_KEY: undefined })).toThrow(/Daytona only: set DAYTONA_API_KEY/);
    expect(() => pagesServices({ ...vars, PORT: undefined })).toThrow(/set PREVIEW_HOST .* and APP_HOST/);
    expect(() => pagesServices({ ...vars, SESSION_SECRET: undefined })).toThrow(/SESSION_SECRET: required in production/);
  });
});
