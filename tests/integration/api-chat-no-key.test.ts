import { describe, expect, it } from 'vitest';

describe('/api/chat without a key', () => {
  it('explains how to configure a key instead of calling OpenRouter', async () => {
    delete process.env.OPENROUTER_API_KEY;
    delete process.env.OPENROUTER_BASE_URL;
    const { action } = await import('~/routes/api.chat');
    const { Sessions } = await import('~/lib/http/session.server');
    const { RateLimits } = await import('~/lib/http/rate-limits.server');
    const { parseServerEnv } = await import('~/lib/env.server');
    const context = {
      env: parseServerEnv(process.env), sessions: new Sessions('integration-test-secret-0123456789abcdef', false), limits: new RateLimits({ chatPerSession: 10, chatPerIp: 10, createsPerSession: 1, createsPerIp: 1 }), clientIp: '::1', chat: null };
    const response = await action({
      context,
      request: new Request('http://localhost/api/chat', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'a/b', messages: [{ id: '1', role: 'user', parts: [{ type: 'text', text: 'hi' }] }] }),
      }),
    } as never);
    expect(response.status).toBe(503);
    expect(((await response.json()) as { error: string }).error).toMatch(/Set OPENROUTER_API_KEY in \.env/);
  });
});
