import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeDaytona } from '../fakes/fake-daytona';
import { FakeNetlify } from '../fakes/fake-netlify';
import { FakeOpenAI } from '../fakes/fake-openai';
import { FakeVercel } from '../fakes/fake-vercel';
import { SENTINELS } from '../support/sentinels';
import { ApiClient, getWithHost, launch, startApp, type App } from './harness';

const ROOT = new URL('../..', import.meta.url).pathname;
const VALUES = Object.values(SENTINELS);

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? files(path) : [path];
  });
}

function expectClean(where: string, text: string) {
  for (const value of VALUES) expect(text.includes(value), `${where} contains a secret`).toBe(false);
}

const fake = new FakeOpenAI();
const daytona = new FakeDaytona();
// The hosts take the sentinels as their accounts' tokens: publishing works, and the tokens must still appear nowhere else.
const netlify = new FakeNetlify({ token: SENTINELS.NETLIFY_TOKEN });
const vercel = new FakeVercel({ token: SENTINELS.VERCEL_TOKEN });
let local: App;
let cloud: App;

beforeAll(async () => {
  const llm = await fake.start();
  await daytona.start();
  daytona.apiKey = SENTINELS.DAYTONA_API_KEY;
  const hosts = { NETLIFY_API_URL: await netlify.start(25260), VERCEL_API_URL: await vercel.start(25261), PUBLISH_LOCAL_SANDBOXES: 'true' };
  local = await startApp({ ...SENTINELS, ...hosts, DAYTONA_API_KEY: '', SANDBOX_PROVIDER: 'local', OPENROUTER_BASE_URL: llm, DEFAULT_MODEL: 'fake/coder' });
  cloud = await startApp({ ...SENTINELS, DAYTONA_API_URL: daytona.apiUrl, DAYTONA_USE_DEPRECATED_POLLING: 'true', OPENROUTER_BASE_URL: llm, DEFAULT_MODEL: 'fake/coder' });
});
afterAll(async () => {
  await local?.stop();
  await cloud?.stop();
  await fake.stop();
  await daytona.stop();
  await netlify.stop();
  await vercel.stop();
});

describe('secrets never leave the server', () => {
  it('are in no file of the client build (built with them in its environment)', () => {
    const built = files(join(ROOT, 'build/client'));
    expect(built.length).toBeGreaterThan(5);
    for (const file of built) expectClean(file, readFileSync(file, 'latin1'));
  });

  it('are in no response body or header of any route, no log line, and no sandbox environment', async () => {
    for (const app of [local, cloud]) {
      const client = new ApiClient(app.url);
      const seen: string[] = [];
      const record = async (response: Response) => {
        seen.push(JSON.stringify([...response.headers]), await response.text());
      };
      fake.script({ reply: 'Hello <boltArtifact id="a" title="A"><boltAction type="file" filePath="a.txt">a</boltAction></boltArtifact>' }, { match: 'fail', fault: { type: 'status', status: 401 } });
      for (const path of ['/', '/chat/abc', '/api/models', '/api/health', '/api/chat', '/api/sandboxes', '/nope', '/api/sandboxes/does-not-exist']) await record(await client.request('GET', path));
      const chat = (text: string) => ({ model: 'fake/coder', messages: [{ id: 'u', role: 'user', parts: [{ type: 'text', text }] }] });
      await record(await client.request('POST', '/api/chat', chat('build')));
      await record(await client.request('POST', '/api/chat', chat('fail please')));
      await record(await client.request('POST', '/api/chat', { bad: true }));

      const server = { path: 'server.js', content: "require('http').createServer((q, s) => s.end('ok')).listen(process.env.PORT)" };
      const created = await launch(client, { project: 'secrets', files: [server], start: 'node server.js' });
      seen.push(JSON.stringify(created));
      expect(created.failure, created.output).toBeUndefined();
      const { sandbox } = created;
      const env = await client.lines('POST', `/api/sandboxes/${sandbox.id}/exec`, { command: 'env' });
      seen.push(JSON.stringify(env.events));
      for (const path of [`/api/sandboxes/${sandbox.id}`, `/api/sandboxes/${sandbox.id}/tree`, `/api/sandboxes/${sandbox.id}/shares`]) await record(await client.request('GET', path));
      await record(await client.request('POST', `/api/sandboxes/${sandbox.id}/shares`, {}));
      const page = await getWithHost(app.url, sandbox.previewUrl);
      seen.push(JSON.stringify(page.headers), page.body);
      const unknown = await getWithHost(app.url, `http://${'z'.repeat(32)}.localhost:${app.port}/`);
      seen.push(JSON.stringify(unknown.headers), unknown.body);
      await record(await client.request('DELETE', `/api/sandboxes/${sandbox.id}`));

      if (app === local) {
        // Publishing with the operator's tokens: the targets, both hosts' progress streams, a published
        // sandbox (its environment too), and a host's refusal of a pasted token.
        await record(await client.request('GET', '/api/publish/targets'));
        const site = [{ path: 'index.html', content: Buffer.from('<h1>published</h1>').toString('base64') }];
        for (const host of ['netlify', 'vercel']) {
          const published = await client.lines('POST', '/api/publish', { host, siteName: `secrets-${host}`, files: site });
          seen.push(JSON.stringify(published.events));
          expect(published.events.at(-1), JSON.stringify(published.events)).toMatchObject({ type: 'done' });
        }
        const publishedApp = await client.lines('POST', '/api/publish/sandbox', { project: 'secrets', files: [server], installs: [], start: 'node server.js' });
        seen.push(JSON.stringify(publishedApp.events));
        const done = publishedApp.events.at(-1) as { type: string; siteId: string };
        expect(done.type, JSON.stringify(publishedApp.events)).toBe('done');
        seen.push(JSON.stringify((await client.lines('POST', `/api/sandboxes/${done.siteId}/exec`, { command: 'env' })).events));
        await record(await client.request('DELETE', '/api/publish/sandbox', { project: 'secrets' }));
        await record(await client.request('PUT', '/api/publish/token', { host: 'netlify', token: 'nfp_a-pasted-token-that-is-wrong' }));
        seen.push(JSON.stringify((await client.lines('POST', '/api/publish', { host: 'netlify', siteName: 'secrets-refused', files: site })).events));
      }

      for (const text of seen) expectClean(app.url, text);
      expectClean('server log', app.logs.join(''));
    }
    // What Daytona was asked to put in a sandbox's environment.
    expect(daytona.requests.some((r) => r.path === '/api/sandbox')).toBe(true);
    for (const request of daytona.bodies) expectClean('a Daytona create request', request);
  });
});
