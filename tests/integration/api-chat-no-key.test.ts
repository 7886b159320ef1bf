import { describe, expect, it } from 'vitest';

describe('/api/chat without a key', () => {
  it('explains how to configure a key instead of calling OpenRouter', async () => {
    delete process.env.OPENROUTER_API_KEY;
    delete process.env.OPENROUTER_BASE_URL;
    const { action } = await import('~/routes/api.chat');
    const response = await action({
      request: new Request('http://localhost/api/chat', {
        method: 'POST',
        body: JSON.stringify({ model: 'a/b', messages: [{ id: '1', role: 'user', parts: [{ type: 'text', text: 'hi' }] }] }),
      }),
    } as never);
    expect(response.status).toBe(503);
    expect(((await response.json()) as { error: string }).error).toMatch(/Set OPENROUTER_API_KEY in \.env/);
  });
});
