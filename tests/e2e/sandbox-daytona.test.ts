import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultScript, FakeDaytona } from '../fakes/fake-daytona';
import { ApiClient, getWithHost, launch, startApp, type App } from './harness';

const fake = new FakeDaytona();
let app: App;

beforeAll(async () => {
  await fake.start();
  app = await startApp({ DAYTONA_API_KEY: fake.apiKey, DAYTONA_API_URL: fake.apiUrl, DAYTONA_TARGET: 'us', DAYTONA_USE_DEPRECATED_POLLING: 'true' });
});
afterAll(async () => {
  await app?.stop();
  await fake.stop();
});

describe('the app with the Daytona provider (fake Daytona API)', () => {
  it('creates a cloud sandbox, serves its preview through the proxy with the token headers, and deletes it', async () => {
    const client = new ApiClient(app.url);
    const launched = await launch(client, { project: 'cloud', files: [{ path: 'package.json', content: '{}' }], install: 'npm install', start: 'npm run dev' });
    expect(launched.failure, launched.output).toBeUndefined();
    const { sandbox } = launched;
    expect(sandbox.provider).toBe('daytona');
    expect(fake.sandboxes.get(sandbox.id)?.files.get('project/package.json')?.toString()).toBe('{}');
    expect(launched.output).toContain('ran: cd project && npm install');

    const page = await getWithHost(app.url, sandbox.previewUrl, '/', { cookie: `${client.cookie}; theirs=1` });
    expect(page.status).toBe(200);
    // The fake serves the app only with a valid preview token and the skip-warning header.
    expect(page.body).toContain(`Daytona preview of ${sandbox.id}`);
    expect(page.body).toContain('cookie:theirs=1');
    // Neither the Daytona key nor its preview token reaches the browser.
    const token = fake.sandboxes.get(sandbox.id)!.previewToken;
    for (const text of [JSON.stringify(launched), page.body, JSON.stringify(page.headers)]) {
      expect(text).not.toContain(fake.apiKey);
      expect(text).not.toContain(token);
    }

    expect((await client.json('DELETE', `/api/sandboxes/${sandbox.id}`)).status).toBe(200);
    expect(fake.live).toBe(0);
  });

  it('turns Daytona faults into clear API errors', async () => {
    const client = new ApiClient(app.url);
    fake.faults.createFailures = 1;
    const failed = await client.json<{ error: string }>('POST', '/api/sandboxes', { project: 'x' });
    expect(failed.status).toBe(502);
    expect(failed.body.error).toMatch(/Daytona failed: Internal error while creating the sandbox/);

    const created = await client.json<{ sandbox: { id: string } }>('POST', '/api/sandboxes', { project: 'y' });
    expect(created.status).toBe(201);
    const id = created.body.sandbox.id;
    fake.sandboxes.delete(id); // deleted behind the server's back
    const gone = await client.json<{ error: string }>('GET', `/api/sandboxes/${id}`);
    expect(gone.status).toBe(404);
    expect(gone.body.error).toMatch(/does not exist/);
    expect(fake.live).toBe(0);
  });

  it('reports a start command that exits before it opens a port, without waiting for the port timeout', async () => {
    const client = new ApiClient(app.url);
    fake.onCommand = (command) => (command.includes('npm run dev') ? { output: 'Error: Cannot find module vite\n', exitCode: 1, durationMs: 50 } : defaultScript(command));
    try {
      const started = Date.now();
      const { sandbox, failure, output } = await launch(client, { project: 'crash', start: 'npm run dev' });
      expect(failure).toBe('The app stopped before it opened a port (see the terminal).');
      expect(output).toContain('Error: Cannot find module vite');
      expect(Date.now() - started).toBeLessThan(30_000);
      expect((await client.json('DELETE', `/api/sandboxes/${sandbox.id}`)).status).toBe(200);
    } finally {
      fake.onCommand = defaultScript;
    }
    expect(fake.live).toBe(0);
  });
});
