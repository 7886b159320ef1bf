import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeOpenAI } from '../fakes/fake-openai';
import { startApp, TEST_KEY, type App } from './harness';

let app: App;
const fake = new FakeOpenAI();

beforeAll(async () => {
  app = await startApp({ OPENROUTER_BASE_URL: await fake.start(), OPENROUTER_API_KEY: TEST_KEY, DEFAULT_MODEL: 'fake/coder' });
});
afterAll(async () => {
  await app?.stop();
  await fake.stop();
});

describe('the app server', () => {
  it('sends cross-origin isolation headers on documents so WebContainer can boot', async () => {
    for (const path of ['/', '/chat/abc']) {
      const response = await fetch(app.url + path);
      expect(response.status).toBe(200);
      expect(response.headers.get('cross-origin-opener-policy')).toBe('same-origin');
      expect(response.headers.get('cross-origin-embedder-policy')).toBe('credentialless');
      expect(response.headers.get('x-powered-by')).toBeNull();
    }
  });

  it('lists the curated models plus the provider’s, with the default first, and no key in any response', async () => {
    const response = await fetch(`${app.url}/api/models`);
    const body = (await response.json()) as { models: Array<{ id: string }>; defaultModel: string };
    expect(body.defaultModel).toBe('fake/coder');
    expect(body.models[0].id).toBe('fake/coder');
    expect(body.models.map((m) => m.id)).toEqual(expect.arrayContaining(['anthropic/claude-sonnet-4.5', 'fake/fast']));
    for (const path of ['/', '/api/models', '/api/health']) expect(await (await fetch(app.url + path)).text()).not.toContain(TEST_KEY);
    expect(app.logs.join('')).not.toContain(TEST_KEY);
  });

  it('refuses to start on invalid configuration, naming each bad variable', () => {
    const result = spawnSync(process.execPath, ['--import', 'tsx', 'server.ts'], {
      cwd: new URL('../..', import.meta.url).pathname,
      env: { PATH: process.env.PATH, NODE_ENV: 'production', ENV_FILE: '', PORT: 'eighty', OPENROUTER_BASE_URL: 'not a url' },
      encoding: 'utf8',
      timeout: 20_000,
    });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('Invalid configuration');
    expect(result.stderr).toMatch(/PORT: /);
    expect(result.stderr).toMatch(/OPENROUTER_BASE_URL: must be a URL/);
  });
});
