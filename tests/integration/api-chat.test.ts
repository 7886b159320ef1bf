import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { RateLimits } from '~/lib/http/rate-limits.server';
import { Sessions } from '~/lib/http/session.server';
import { parseServerEnv } from '~/lib/env.server';
import { chatRequestSchema } from '~/lib/llm/chat-request.server';
import { writePullRequestText } from '~/lib/git/pull-request-text.server';
import { InProcessChatStreamer } from '~/lib/llm/chat-streamer.server';
import { FakeOpenAI } from '../fakes/fake-openai';
import { readAnswer, readUIStream } from '../helpers/ui-stream';
import { makePng, pngDataUrl, pngSize } from '../helpers/png';

const KEY = 'sk-test-secret-key-0123456789';
const fake = new FakeOpenAI();
let route: (args: { request: Request; context: unknown }) => Promise<Response>;
let context: ReturnType<typeof testContext>;
const action = ({ request }: { request: Request }) => route({ request, context });

/** What server.ts hands the route; the env is parsed from process.env as the test set it. */
function testContext(chatPerSession = 1000, extraEnv: Record<string, string> = {}) {
  const env = parseServerEnv({ ...process.env, ...extraEnv });
  return { env, sessions: new Sessions('integration-test-secret-0123456789abcdef', false), limits: new RateLimits({ chatPerSession, chatPerIp: 10_000, createsPerSession: 10, createsPerIp: 10 }), clientIp: '127.0.0.1', chat: new InProcessChatStreamer(env) };
}

function chatRequest(body: unknown, init: RequestInit = {}) {
  return new Request('http://localhost/api/chat', { method: 'POST', headers: { 'content-type': 'application/json' }, body: typeof body === 'string' ? body : JSON.stringify(body), ...init });
}

const userMessage = (text: string) => ({ model: 'fake/coder', messages: [{ id: 'u1', role: 'user', parts: [{ type: 'text', text }] }] });

beforeAll(async () => {
  process.env.OPENROUTER_BASE_URL = await fake.start(24700);
  process.env.OPENROUTER_API_KEY = KEY;
  process.env.LLM_STALL_TIMEOUT_S = '1';
  process.env.LLM_MAX_RETRIES = '0';
  process.env.CHAT_MAX_BODY_BYTES = '20000';
  process.env.AGENT_MAX_STEPS = '2';
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
    // OpenRouter's keep-alive comments came before and between the chunks, and none reached the answer.
    expect(fake.requests[0].comments).toBeGreaterThanOrEqual(3);
    expect(raw).not.toContain('OPENROUTER PROCESSING');
    expect(raw).not.toContain(KEY);
    expect(fake.requests[0].authorization).toBe(`Bearer ${KEY}`);
    expect(fake.requests[0].messages[0]).toMatchObject({ role: 'system' });
    expect(JSON.stringify(fake.requests[0].messages[0].content)).toContain('<boltArtifact');
  });

  it("sends OpenRouter's attribution: the app's URL as HTTP-Referer (APP_HOST, else the page's own origin) and its name as X-Title", async () => {
    fake.script({ reply: 'ok' });
    // No APP_HOST: the origin the page was served from (this request's).
    await (await action({ request: chatRequest(userMessage('hi')) })).text();
    expect(fake.requests[0].attribution).toEqual({ referer: 'http://localhost', title: 'AppForge', openRouterTitle: 'AppForge' });
    const behindProxy = testContext(1000, { APP_HOST: 'app.example.com' });
    await (await route({ request: chatRequest(userMessage('hi')), context: behindProxy })).text();
    expect(fake.requests[1].attribution).toEqual({ referer: 'https://app.example.com', title: 'AppForge', openRouterTitle: 'AppForge' });
    // Model calls that no page asked for (a run's pull request text) carry APP_HOST too.
    fake.script({ reply: 'Add a README\n\nIt says what the app does.' });
    await writePullRequestText({ env: behindProxy.env, model: 'fake/coder', requests: ['add a readme'], summary: '', changes: ['A README.md'] });
    expect(fake.requests[2].attribution).toEqual({ referer: 'https://app.example.com', title: 'AppForge', openRouterTitle: 'AppForge' });
  });

  it("shows the provider's own words when OpenRouter reports an error mid-answer, and keeps what arrived", async () => {
    fake.script({ reply: 'abcdefghijklmnopqrstuvwxyz', chunkSize: 4, fault: { type: 'error', afterChars: 12, code: 'server_error', message: 'Provider disconnected unexpectedly' } });
    const { text, error, types } = await readUIStream(await action({ request: chatRequest(userMessage('hi')) }));
    expect(text).toBe('abcdefghijkl');
    // (The provider is "the model server" here: the base URL is the fake's, not openrouter.ai.)
    expect(error).toBe('The model server reported an error in the middle of the answer: Provider disconnected unexpectedly. What arrived is kept; press Retry to ask again.');
    expect(types.at(-1)).toBe('error');
  });

  it('a small balance still gets an answer: asked again within what OpenRouter says it affords, and the answer says it was capped', async () => {
    fake.affordableTokens = 3_000;
    fake.script({ reply: 'A short answer within the balance.' });
    const { text, error, metadata } = await readUIStream(await action({ request: chatRequest(userMessage('build me a thing')) }));
    expect(error).toBeUndefined();
    expect(text).toBe('A short answer within the balance.');
    expect(fake.requests.map((r) => r.maxTokens)).toEqual([16_000, 3_000]);
    expect(metadata).toMatchObject({ cappedAt: 3_000 });
  });

  it('a balance too small for an answer gets a sentence with where to add credits, and no second request', async () => {
    fake.affordableTokens = 400;
    const { text, error } = await readUIStream(await action({ request: chatRequest(userMessage('build me a thing')) }));
    expect(text).toBe('');
    // (The provider is "the model server" here: the base URL is the fake's, not openrouter.ai.)
    expect(error).toBe("The model server refused the request: the account's balance covers only 400 tokens of answer, too few for one (HTTP 402). Add credits at https://openrouter.ai/settings/credits, then press Retry.");
    expect(fake.requests).toHaveLength(1);
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
    // OpenRouter went on sending its keep-alive comments through the stall (one came before it): they are not an answer.
    expect(fake.requests[0].comments).toBeGreaterThanOrEqual(2);
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

  it('sends an attached image to a model that takes images as an image part with its data URL', async () => {
    fake.script({ reply: 'I see it.' });
    const png = makePng(12, 8);
    const body = { model: 'fake/coder', messages: [{ id: 'u1', role: 'user', parts: [{ type: 'file', mediaType: 'image/png', url: pngDataUrl(png), filename: 'mockup.png' }, { type: 'text', text: 'build this' }] }] };
    const response = await action({ request: chatRequest(body) });
    expect(response.status).toBe(200);
    expect((await readUIStream(response)).text).toBe('I see it.');
    const content = fake.requests[0].messages.at(-1)!.content as Array<{ type: string; image_url?: { url: string }; text?: string }>;
    const sent = content.find((part) => part.type === 'image_url')!;
    expect(pngSize(Buffer.from(sent.image_url!.url.split(',')[1], 'base64'))).toEqual({ width: 12, height: 8 });
    expect(content.at(-1)).toMatchObject({ type: 'text', text: 'build this' });
  });

  it('sends no image to a model whose list entry says it takes none: a sentence stands in its place', async () => {
    fake.script({ reply: 'ok' });
    const body = { model: 'fake/fast', messages: [{ id: 'u1', role: 'user', parts: [{ type: 'file', mediaType: 'image/png', url: pngDataUrl(makePng(2, 2)), filename: 'shot.png' }, { type: 'text', text: 'like this' }] }] };
    const response = await action({ request: chatRequest(body) });
    expect((await readUIStream(response)).error).toBeUndefined();
    const sent = JSON.stringify(fake.requests[0].messages);
    expect(sent).not.toContain('image_url');
    expect(sent).toContain('[Image \\"shot.png\\" not sent: this model does not take images.]');
  });

  it('refuses images by link, of the wrong kind, too many, or in an answer, without calling the model', async () => {
    const png = pngDataUrl(makePng(2, 2));
    const withParts = (...parts: unknown[]) => ({ model: 'fake/coder', messages: [{ id: 'u1', role: 'user', parts: [...parts, { type: 'text', text: 'x' }] }] });
    const file = (url: string, mediaType = 'image/png') => ({ type: 'file', mediaType, url });
    const cases: Array<[unknown, RegExp]> = [
      [withParts(file('http://169.254.169.254/latest/meta-data')), /no links/],
      [withParts(file('https://example.com/a.png')), /no links/],
      [withParts(file(png, 'application/pdf')), /images may be/],
      [withParts(file(`data:image/jpeg;base64,${makePng(2, 2).toString('base64')}`, 'image/jpeg')), /not a JPEG/],
      [withParts(...Array.from({ length: 5 }, () => file(png))), /at most 4 images/],
      [{ model: 'fake/coder', messages: [{ id: 'a', role: 'assistant', parts: [file(png)] }, { id: 'u', role: 'user', parts: [{ type: 'text', text: 'x' }] }] }, /only the user.s messages may carry images and picked elements/],
      [withParts({ type: 'file', mediaType: 'image/png', url: png, providerReference: { openai: 'file-1' } }, { type: 'source-url', url: 'http://x' }), /text, images/],
    ];
    for (const [body, message] of cases) {
      const response = await action({ request: chatRequest(body) });
      expect(response.status, JSON.stringify(body).slice(0, 200)).toBe(400);
      expect(((await response.json()) as { error: string }).error).toMatch(message);
    }
    expect(fake.requests).toHaveLength(0);
  });

  it('turns elements picked in the preview into text the model reads, and refuses a pick out of shape', async () => {
    fake.script({ reply: 'Made it green.' });
    const pick = { tag: 'button', selector: 'button.counter', text: 'count is 0', box: { x: 8, y: 60, width: 90, height: 30 }, html: '<button class="counter">count is 0</button>', page: '/', source: { file: 'src/App.tsx', line: 9, column: 7, via: 'react' } };
    const body = (p: unknown) => ({ model: 'fake/coder', messages: [{ id: 'u1', role: 'user', parts: [{ type: 'data-picks', data: { picks: [p] } }, { type: 'text', text: 'make this green' }] }] });
    const response = await action({ request: chatRequest(body(pick)) });
    expect((await readUIStream(response)).text).toBe('Made it green.');
    const sent = JSON.stringify(fake.requests[0].messages.at(-1)!.content);
    expect(sent).toContain('button.counter');
    expect(sent).toContain('src/App.tsx:9');
    expect(sent).toContain('make this green');

    for (const bad of [{ ...pick, selector: 'x'.repeat(1001) }, { ...pick, box: { x: 'a' } }, { ...pick, source: { file: 'a', via: 'angular' } }, { ...pick, extra: 1 }]) {
      const refused = await action({ request: chatRequest(body(bad)) });
      expect(refused.status).toBe(400);
    }
    expect(fake.requests).toHaveLength(1);
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

describe('/api/chat in agent mode', () => {
  const agentRequest = (messages: unknown[], extra: Record<string, unknown> = {}) => chatRequest({ model: 'fake/coder', agent: true, messages, ...extra });
  const user = { id: 'u1', role: 'user', parts: [{ type: 'text', text: 'make the tests pass' }] };
  /** An answer whose step ran `npm test` in the browser, with the result the browser added. */
  const answered = (state: string, extra: Record<string, unknown>) => ({
    id: 'a1',
    role: 'assistant',
    metadata: { usage: { inputTokens: 100, outputTokens: 20 }, model: 'fake/coder' },
    parts: [{ type: 'step-start' }, { type: 'text', text: 'Running the tests.' }, { type: 'tool-run_command', toolCallId: 'call_1', state, input: { command: 'npm test' }, ...extra }],
  });

  it('offers the tools with the agent prompt, and streams the model\'s tool calls to the browser', async () => {
    fake.script({ reply: 'Running the tests.', toolCalls: [{ name: 'run_command', arguments: { command: 'npm test' } }], chunkSize: 5 });
    const response = await action({ request: agentRequest([user]) });
    expect(response.status).toBe(200);
    const { text, error, raw } = await readUIStream(response);
    expect(error).toBeUndefined();
    expect(text).toBe('Running the tests.');
    const call = raw.split('\n').filter((l) => l.startsWith('data: {')).map((l) => JSON.parse(l.slice(6))).find((c) => c.type === 'tool-input-available');
    expect(call).toMatchObject({ toolName: 'run_command', input: { command: 'npm test' } });
    expect(fake.requests[0].tools.sort()).toEqual(['edit_file', 'get_problems', 'list_files', 'read_file', 'run_command', 'search_files', 'write_file']);
    expect(JSON.stringify(fake.requests[0].messages[0].content)).toContain('agent mode');
    // Without agent mode the model gets no tools.
    fake.script({ reply: 'plain' });
    await (await action({ request: chatRequest(userMessage('x')) })).text();
    expect(fake.requests.at(-1)!.tools).toEqual([]);
  });

  it('continues an answer with its tool results: the model gets call and result, the context stays on the user turn, tokens add up', async () => {
    fake.script({ toolResult: '1 failing', reply: 'Found it.' });
    const context = { files: [{ path: 'sum.js', size: 20 }], contents: { 'sum.js': 'module.exports = 1;' }, edited: [] };
    const response = await action({ request: agentRequest([user, answered('output-available', { output: { exitCode: 1, output: '1 failing', truncated: false, ms: 900 } })], { context }) });
    expect(response.status).toBe(200);
    const { text, metadata, raw } = await readUIStream(response);
    expect(text).toBe('Found it.');
    // The same answer goes on (its id), not a new one.
    expect(raw).toContain('{"type":"start","messageId":"a1"}');
    const sent = fake.requests[0].messages;
    expect(sent.map((m) => m.role)).toEqual(['system', 'user', 'assistant', 'tool']);
    expect(JSON.stringify(sent[1].content)).toContain('The project now has these files');
    expect(JSON.stringify(sent[2])).toContain('npm test');
    expect(JSON.stringify(sent[3].content)).toContain('1 failing');
    expect(metadata).toEqual({ usage: { inputTokens: 110, outputTokens: 20 + Math.ceil('Found it.'.length / 4) }, model: 'fake/coder' });
  });

  it("sends a thinking model's reasoning of the first step back with the second, as OpenRouter's provider does (reasoning and reasoning_details with the signature)", async () => {
    const thought = 'The user wants passing tests; I should run them first to see what fails.';
    fake.script({ match: 'make the tests pass', reasoning: thought, toolCalls: [{ name: 'run_command', arguments: { command: 'npm test' } }], times: 1 }, { toolResult: '1 failing', reply: 'Found it.' });
    // The first step's answer, as useChat builds it, with the result the browser adds to its call.
    const first = await readAnswer(await action({ request: agentRequest([user]) }));
    expect(first.parts.find((p) => p.type === 'reasoning')).toMatchObject({ text: thought });
    const answered = { ...first, parts: first.parts.map((p) => (p.type === 'tool-run_command' ? { ...p, state: 'output-available', output: { exitCode: 1, output: '1 failing', truncated: false, ms: 900 } } : p)) };
    const response = await action({ request: agentRequest([user, answered]) });
    expect(response.status).toBe(200);
    expect((await readUIStream(response)).text).toBe('Found it.');
    const assistant = fake.requests[1].messages.find((m) => m.role === 'assistant') as { reasoning?: string; reasoning_details?: unknown[] };
    expect(assistant.reasoning).toBe(thought);
    expect(assistant.reasoning_details).toEqual([{ type: 'reasoning.text', text: thought, signature: fake.requests[0].reasoningSignature, format: 'anthropic-claude-v1', index: 0 }]);
    // Metadata the server does not know (another provider's, a future format) is left out, not refused.
    const details = [{ type: 'reasoning.text', text: thought, signature: 'sig', format: 'anthropic-claude-v1', index: 0 }];
    const odd = { type: 'reasoning', text: thought, providerMetadata: { other: { x: 1 }, openrouter: { reasoning_details: [{ type: 'reasoning.future', blob: 'x' }, ...details], cache_control: { type: 'ephemeral' } } } };
    const parsed = chatRequestSchema.parse({ model: 'fake/coder', agent: true, messages: [user, { ...answered, parts: [odd, ...answered.parts.filter((p) => p.type !== 'reasoning')] }] });
    expect(parsed.messages[1].parts[0]).toEqual({ type: 'reasoning', text: thought, providerMetadata: { openrouter: { reasoning_details: details } } });
  });

  it("turns a call the model got wrong into that call's error, which goes back to the model on the next step", async () => {
    fake.script({ toolCalls: [{ name: 'read_file', arguments: { file: 'a.js' } }], times: 1 }, { toolCalls: [{ name: 'delete_everything', arguments: {} }], times: 1 });
    const chunks = async (response: Response) =>
      (await response.text())
        .split('\n')
        .filter((l) => l.startsWith('data: {'))
        .map((l) => JSON.parse(l.slice(6)) as { type: string; errorText?: string; dynamic?: boolean; toolName?: string });
    const bad = (await chunks(await action({ request: agentRequest([user]) }))).find((c) => c.type === 'tool-input-error')!;
    expect(bad.errorText).toMatch(/^Invalid input for tool read_file/);
    expect(bad.errorText).not.toMatch(/Press Retry/);
    const unknown = (await chunks(await action({ request: agentRequest([user]) }))).find((c) => c.type === 'tool-input-error')!;
    expect(unknown).toMatchObject({ toolName: 'delete_everything', dynamic: true, errorText: expect.stringMatching(/unavailable tool 'delete_everything'/) });
    // The browser shows both as failed calls and sends them back: the model reads the errors.
    fake.script({ reply: 'Sorry, retrying properly.' });
    const failedCalls = {
      id: 'a1',
      role: 'assistant',
      parts: [
        { type: 'step-start' },
        { type: 'tool-read_file', toolCallId: 'c1', state: 'output-error', input: { file: 'a.js' }, errorText: bad.errorText },
        { type: 'dynamic-tool', toolName: 'delete_everything', toolCallId: 'c2', state: 'output-error', input: {}, errorText: unknown.errorText },
      ],
    };
    const response = await action({ request: agentRequest([user, failedCalls]) });
    expect(response.status).toBe(200);
    expect((await readUIStream(response)).text).toBe('Sorry, retrying properly.');
    const results = JSON.stringify(fake.requests.at(-1)!.messages.filter((m) => m.role === 'tool'));
    expect(results).toContain('Invalid input for tool read_file');
    expect(results).toContain('unavailable tool');
  });

  it('sends a call that never got its result (the tab closed) as an interrupted call', async () => {
    fake.script({ reply: 'Trying again.' });
    const response = await action({ request: agentRequest([user, answered('input-available', {}), { id: 'u2', role: 'user', parts: [{ type: 'text', text: 'go on' }] }]) });
    expect(response.status).toBe(200);
    await response.text();
    const tool = fake.requests[0].messages.find((m) => m.role === 'tool');
    expect(JSON.stringify(tool?.content)).toContain('interrupted before it finished');
  });

  it('refuses what agent mode does not allow, without calling the model', async () => {
    const refused = async (request: Request, pattern: RegExp) => {
      const response = await action({ request });
      expect(response.status).toBe(400);
      expect(((await response.json()) as { error: string }).error).toMatch(pattern);
    };
    const done = answered('output-available', { output: { exitCode: 0 } });
    // An answer may be continued only in agent mode.
    await refused(chatRequest({ model: 'fake/coder', messages: [user, done] }), /last message must come from the user/);
    // A model whose list entry says it takes no tools.
    await refused(chatRequest({ model: 'fake/fast', agent: true, messages: [user] }), /cannot call tools/);
    // Only the app's tools, in the UI's shape.
    await refused(agentRequest([user, { ...done, parts: [{ type: 'tool-delete_everything', toolCallId: 'c', state: 'output-available', input: {}, output: 1 }] }]), /text, images \(as data URLs\), picked elements and agent tool calls only/);
    // The step budget (AGENT_MAX_STEPS=2 here) holds even for a client that ignores it.
    const twoSteps = { ...done, parts: [...done.parts, { type: 'step-start' }, { ...done.parts[2], toolCallId: 'call_2' }] };
    await refused(agentRequest([user, twoSteps]), /used its 2 steps/);
    expect(fake.requests).toHaveLength(0);
  });
});
