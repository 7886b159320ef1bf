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

  it('refuses what Pages cannot run, saying what to set', () => {
    expect(() => pagesServices({ ...vars, SANDBOX_PROVIDER: 'local' })).toThrow(/On Cloudflare Pages sandboxes run in Daytona only/);
    expect(() => pagesServices({ ...vars, DAYTONA_API_KEY: undefined })).toThrow(/Daytona only: set DAYTONA_API_KEY/);
    expect(() => pagesServices({ ...vars, PORT: undefined })).toThrow(/set PREVIEW_HOST .* and APP_HOST/);
    expect(() => pagesServices({ ...vars, SESSION_SECRET: undefined })).toThrow(/SESSION_SECRET: required in production/);
  });
});
