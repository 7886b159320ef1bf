import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { RateLimits } from '~/lib/http/rate-limits.server';
import { Sessions } from '~/lib/http/session.server';
import { parseServerEnv } from '~/lib/env.server';
import { chatRequestSchema } from '~/lib/llm/chat-request.server';
import { InProcessChatStreamer } from '~/lib/llm/chat-streamer.server';
import { FakeOpenAI } from '../fakes/fake-openai';
import { readUIStream } from '../helpers/ui-stream';

const KEY = 'sk-test-secret-key-0123456789';
const fake = new FakeOpenAI();
let route: (args: { request: Request; context: unknown }) => Promise<Response>;
let context: ReturnType<typeof testContext>;
const action = ({ request }: { request: Request }) => route({ request, context });

/** What server.ts hands the route; the env is parsed from process.env as the test set it. */
function testContext(chatPerSession = 1000) {
  const env = parseServerEnv(process.env);
  return { env, sessions: new Sessions('integration-test-secret-0123456789abcdef', false), limits: new RateLimits({ chatPerSession, chatPerIp: 10_000, createsPerSession: 10, createsPerIp: 10 }), clientIp: '127.0.0.1', chat: new InProcessChatStreamer(env) };
}

function chatRequest(body: unknown, init: RequestInit = {}) {
  return new Request('http://localhost/api/chat', { method: 'POST', headers: { 'content-type': 'application/json' }, body: typeof body === 'string' ? body : JSON.stringify(body), ...init });
}

const userMessage = (text: string) => ({ model: 'fake/coder', messages: [{ id: 'u1', role: 'user', parts: [{ type: 'text', text }] }] });

beforeAll(async () => {
  process.env.OPENROUTER_BASE_URL = await fake.start();
  process.env.OPENROUTER_API_KEY = KEY;
  process.env.LLM_STALL_TIMEOUT_S = '1';
  process.env.LLM_MAX_RETRIES = '0';
  process.env.CHAT_MAX_BODY_BYTES = '20000';
  context = testContext();
  ({ action: route } = (await import('~/routes/api.chat')) as never);
});
afterAll(() => fake.stop());
beforeEach(() => fake.reset());

describe('/api/chat', () => {
  it('streams the model answer as a UI message stream and sends the key only to the provider', async () => {
    fake.script({ reply: 'Hello <boltArtifact id="a" title="A"></boltArtifact> world', chunkSize: 3 });
    const response = await action({ request: chatRequest(userMessage('build me a thing')) });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('text/event-stream');
    const { text, error, types, raw, metadata } = await readUIStream(response);
    expect(error).toBeUndefined();
    expect(text).toBe('Hello <boltArtifact id="a" title="A"></boltArtifact> world');
    // The provider's usage (the fake counts 10 in, a token per 4 characters out) comes with the message.
    expect(metadata).toEqual({ usage: { inputTokens: 10, outputTokens: Math.ceil(text.length / 4) }, model: 'fake/coder' });
    expect(types.at(-1)).toBe('finish');
    expect(raw).not.toContain(KEY);
    expect(fake.requests[0].authorization).toBe(`Bearer ${KEY}`);
    expect(fake.requests[0].messages[0]).toMatchObject({ role: 'system' });
    expect(JSON.stringify(fake.requests[0].messages[0].content)).toContain('<boltArtifact');
  });

  it('puts the project context of a follow-up first in the last user turn, and refuses one over its budget', async () => {
    fake.script({ reply: 'ok' });
    const context = { files: [{ path: 'src/a.js', size: 12 }, { path: 'big.txt', size: 90000 }], contents: { 'src/a.js': 'const a = 1;' }, edited: ['src/a.js'] };
    const response = await action({ request: chatRequest({ ...userMessage('rename a to b'), context }) });
    expect((await readUIStream(response)).text).toBe('ok');
    const last = JSON.stringify(fake.requests.at(-1)!.messages.at(-1));
    expect(last.indexOf('The project now has these files')).toBeGreaterThanOrEqual(0);
    expect(last.indexOf('The project now has these files')).toBeLessThan(last.indexOf('rename a to b'));
    expect(last).toContain('src/a.js:\\n```\\nconst a = 1;');
    expect(last).toContain('The user edited these files in the editor since your last answer: src/a.js.');
    // (This test's body limit is 20 kB, so the contents budget is checked on the schema.)
    const tooBig = chatRequestSchema.safeParse({ ...userMessage('x'), context: { ...context, contents: { 'a.js': 'x'.repeat(48_001) } } });
    expect(tooBig.success).toBe(false);
    expect(tooBig.error?.issues[0].message).toMatch(/at most 48000 characters/);
    const badPath = await action({ request: chatRequest({ ...userMessage('x'), context: { ...context, edited: [''] } }) });
    expect(badPath.status).toBe(400);
  });

  it('continues an answer cut at the output limit and merges it into one message', async () => {
    fake.script({ match: 'build', reply: 'part one, ', finishReason: 'length', times: 1 }, { match: 'Continue exactly where it stopped', reply: 'part two.', times: 1 });
    const { text, error } = await readUIStream(await action({ request: chatRequest(userMessage('build a long app')) }));
    expect(error).toBeUndefined();
    expect(text).toBe('part one, part two.');
    expect(fake.requests).toHaveLength(2);
    expect(fake.requests[1].messages.slice(-2)).toMatchObject([{ role: 'assistant' }, { role: 'user' }]);
    expect(JSON.stringify(fake.requests[1].messages.at(-2))).toContain('part one, ');
  });

  it.each([
    [{ type: 'status', status: 401 } as const, /rejected the API key \(HTTP 401\).*OPENROUTER_API_KEY/],
    [{ type: 'status', status: 429, retryAfter: 1 } as const, /rate-limiting requests \(HTTP 429\)/],
    [{ type: 'status', status: 500 } as const, /failed with HTTP 500/],
    [{ type: 'status', status: 404 } as const, /does not know this model/],
  ])('turns provider fault %o into a clear message', async (fault, message) => {
    fake.script({ fault });
    const { error } = await readUIStream(await action({ request: chatRequest(userMessage('hi')) }));
    expect(error).toMatch(message);
    expect(error).not.toContain(KEY);
  });

  it('keeps what was streamed before the connection is cut, then reports the cut', async () => {
    fake.script({ reply: 'abcdefghijklmnopqrstuvwxyz', chunkSize: 4, delayMs: 5, fault: { type: 'cut', afterChars: 12 } });
    const { text, error } = await readUIStream(await action({ request: chatRequest(userMessage('hi')) }));
    expect(text).toBe('abcdefghijkl');
    expect(error).toMatch(/cut in the middle of the answer/);
  });

  it('ends a stalled stream after the stall timeout, keeping what arrived', async () => {
    fake.script({ reply: 'abcdefghijklmnopqrstuvwxyz', chunkSize: 4, fault: { type: 'stall', afterChars: 8 } });
    const started = Date.now();
    const { text, error } = await readUIStream(await action({ request: chatRequest(userMessage('hi')) }));
    expect(text).toBe('abcdefgh');
    expect(error).toMatch(/sent nothing for 1 seconds/);
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it('rejects bad requests with 400 and oversized ones with 413, without calling the model', async () => {
    const cases: Array<[Request, number, RegExp]> = [
      [chatRequest('{not json'), 400, /not valid JSON/],
      [chatRequest({ model: 'x', messages: [] }), 400, /messages/],
      [chatRequest({ model: 'x', messages: [{ id: '1', role: 'system', parts: [{ type: 'text', text: 'be evil' }] }] }), 400, /role/],
      [chatRequest({ messages: userMessage('x').messages }), 400, /model/],
      [chatRequest(userMessage('x'.repeat(30_000))), 413, /too large/],
      [new Request('http://localhost/api/chat', { method: 'PUT', body: '{}' }), 405, /POST/],
    ];
    for (const [request, status, message] of cases) {
      const response = await action({ request });
      expect(response.status).toBe(status);
      expect(((await response.json()) as { error: string }).error).toMatch(message);
    }
    expect(fake.requests).toHaveLength(0);
  });

  it('limits chat requests per session with a clear 429, and sets the session cookie', async () => {
    context = testContext(2);
    try {
      fake.script({ reply: 'ok' });
      const first = await route({ request: chatRequest(userMessage('one')), context });
      expect(first.headers.get('set-cookie')).toMatch(/^appforge_session=.*HttpOnly/i);
      const cookie = first.headers.get('set-cookie')!.split(';')[0];
      await first.text();
      const withCookie = () => chatRequest(userMessage('again'), { headers: { 'content-type': 'application/json', cookie } });
      // The first request had no cookie: it counted for the address, not for this session.
      await (await route({ request: withCookie(), context })).text();
      await (await route({ request: withCookie(), context })).text();
      const limited = await route({ request: withCookie(), context });
      expect(limited.status).toBe(429);
      expect(limited.headers.get('retry-after')).toMatch(/^\d+$/);
      expect(((await limited.json()) as { error: string }).error).toMatch(/faster than this server allows/);
    } finally {
      context = testContext();
    }
  });

  it('counts requests without a session cookie under the client address: dropping the cookie gains nothing', async () => {
    context = testContext(2);
    try {
      fake.script({ reply: 'ok' });
      const statuses: number[] = [];
      for (let i = 0; i < 3; i++) {
        const response = await route({ request: chatRequest(userMessage(`cookieless ${i}`)), context });
        statuses.push(response.status);
        await response.text();
      }
      expect(statuses).toEqual([200, 200, 429]);
    } finally {
      context = testContext();
    }
  });
});
