import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeOpenAI } from '../fakes/fake-openai';
import { readUIStream } from '../helpers/ui-stream';
import { ApiClient, startApp, TEST_KEY, type App } from './harness';

const fake = new FakeOpenAI();
let app: App;
// 2,400 characters at about 60 tokens a second (a realistic model pace): each stream lasts ~10 s.
const REPLY = 'word '.repeat(480);

beforeAll(async () => {
  app = await startApp({
    OPENROUTER_BASE_URL: await fake.start(),
    OPENROUTER_API_KEY: TEST_KEY,
    DEFAULT_MODEL: 'fake/coder',
    SANDBOX_PROVIDER: 'local',
    CHAT_RATE_PER_MINUTE: '1000',
    CHAT_RATE_PER_MINUTE_PER_IP: '1000',
    SANDBOX_MAX_TOTAL: '10',
    // All twenty users come from this machine's one address here.
    SANDBOX_MAX_PER_IP: '100',
    SANDBOX_MAX_PER_SESSION: '3',
    SANDBOX_CREATES_PER_MINUTE_PER_IP: '100',
  });
});
afterAll(async () => {
  await app?.stop();
  await fake.stop();
});

const percentile = (values: number[], p: number) => [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.floor((values.length * p) / 100))];

describe('under load', () => {
  it('serves 100 chat streams and 20 sandbox creations at once: no crash, clear 429s past the cap, health stays fast', async () => {
    fake.script({ reply: REPLY, chunkSize: 16, delayMs: 66 });
    const health: number[] = [];
    let loading = true;
    const pinger = (async () => {
      while (loading) {
        const started = performance.now();
        const response = await fetch(`${app.url}/api/health`);
        await response.text();
        expect(response.status).toBe(200);
        health.push(performance.now() - started);
        await new Promise((r) => setTimeout(r, 25));
      }
    })();

    // Users' requests arrive over five seconds; from then on all 100 streams run at once for about
    // five more (bench:chat measures the worst case: all 100 arriving in the same millisecond).
    const chats = Array.from({ length: 100 }, async (_, i) => {
      await new Promise((r) => setTimeout(r, i * 50));
      const response = await new ApiClient(app.url).request('POST', '/api/chat', { model: 'fake/coder', messages: [{ id: 'u', role: 'user', parts: [{ type: 'text', text: `chat ${i}` }] }] });
      return { status: response.status, ...(await readUIStream(response)) };
    });
    // Twenty returning users (each with a session), all from this one address.
    const clients = await Promise.all(Array.from({ length: 20 }, () => ApiClient.withSession(app.url)));
    const creations = clients.map(async (client, i) => {
      const { status, body } = await client.json<{ sandbox?: { id: string }; error?: string }>('POST', '/api/sandboxes', { project: `load-${i}` });
      return { client, status, body };
    });
    const [chatResults, createResults] = await Promise.all([Promise.all(chats), Promise.all(creations)]);
    loading = false;
    await pinger;

    expect(chatResults.filter((r) => r.status !== 200 || r.error || r.text !== REPLY)).toEqual([]);
    const created = createResults.filter((r) => r.status === 201);
    const refused = createResults.filter((r) => r.status === 429);
    expect(created).toHaveLength(10);
    expect(refused).toHaveLength(10);
    for (const r of refused) expect(r.body.error).toMatch(/as many sandboxes as it allows/);
    expect(health.length).toBeGreaterThan(10);
    expect(percentile(health, 99), `health latencies: ${health.map((h) => Math.round(h)).join(' ')}`).toBeLessThan(200);
    expect((await fetch(`${app.url}/api/health`)).status).toBe(200);

    for (const { client, body } of created) expect((await client.json('DELETE', `/api/sandboxes/${body.sandbox!.id}`)).status).toBe(200);
  }, 120_000);
});
