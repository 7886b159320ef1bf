// First day, many visitors: the server starts with an empty npm cache. One person's app installs
// its dependencies; the next person, in a session of their own, gets the same dependencies from
// the cache the server filled, not from the registry, and sees nothing of the first session's.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { ApiClient, launch, startApp, type App } from './harness';
import { unmountUnder } from '../support/app-server';

const cacheDir = mkdtempSync(join(tmpdir(), 'appforge-first-install-'));
const FILES = [
  { path: 'package.json', content: JSON.stringify({ name: 'guestbook', version: '1.0.0', dependencies: { express: '^4.21.0' } }) },
  { path: 'server.js', content: "require('express')().get('/', (q, r) => r.send('<h1>Guestbook</h1>')).listen(process.env.PORT, '0.0.0.0');" },
];
let app: App;

beforeAll(async () => {
  app = await startApp({ SANDBOX_PROVIDER: 'local', SANDBOX_NPM_CACHE_DIR: cacheDir, SANDBOX_MAX_PER_IP: '10', SANDBOX_CREATES_PER_MINUTE: '10', OPENROUTER_API_KEY: 'sk-or-sentinel-key', DAYTONA_API_KEY: '' });
});

afterAll(async () => {
  await app?.stop();
  unmountUnder(cacheDir);
  rmSync(cacheDir, { recursive: true, force: true });
});

/** What the server has taken into the shared cache so far (its state file). */
const filled = () => {
  const state = join(cacheDir, '.trusted', 'state.json');
  return existsSync(state) ? Object.keys((JSON.parse(readFileSync(state, 'utf8')) as { filled: object }).filled).length : 0;
};

it.runIf(process.getuid?.() === 0)("a new visitor's first install is served by the cache the server filled after another visitor's", async () => {
  const first = await ApiClient.withSession(app.url);
  const launched = await launch(first, { project: 'guestbook', files: FILES, install: 'npm install --no-audit --no-fund', start: 'node server.js' });
  expect(launched.failure).toBeUndefined();
  // The server fetches the dependencies again itself, in the background.
  await expect.poll(filled, { timeout: 90_000, interval: 500 }).toBe(1);

  // Another person: offline, so only what their new session's cache holds can serve the install.
  const next = await ApiClient.withSession(app.url);
  expect(next.cookie).not.toBe(first.cookie);
  const { sandbox } = await launch(next, { project: 'guestbook', files: FILES });
  const { events } = await next.lines('POST', `/api/sandboxes/${sandbox.id}/exec`, { command: 'ls -A /npm-cache; echo ---; npm install --offline --no-audit --no-fund 2>&1' });
  const [listing, install] = events.filter((e) => e.type === 'output').map((e) => e.data).join('').split('---\n');
  expect(events.at(-1)).toMatchObject({ type: 'exit', exitCode: 0 });
  expect(install).toMatch(/added \d+ packages/);
  // Only npm's own cache: nothing of the server's fill (its logs, its project) shows.
  expect(listing.trim()).toBe('_cacache');
  expect(app.logs.join('')).not.toMatch(/shared npm cache was not filled|no shared npm cache/);
}, 180_000);
