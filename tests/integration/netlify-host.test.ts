// The Netlify publish client (app/lib/publish/netlify.server.ts) against the loopback Netlify
// (tests/fakes/fake-netlify.ts, held to Netlify's published API by netlify-contract.test.ts): what
// a person publishing sees, the second publish that uploads only what changed, and each way
// Netlify refuses or fails, typed and worded without the token.
import { request as httpRequest } from 'node:http';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { NetlifyHost, type NetlifyHostOptions } from '~/lib/publish/netlify.server';
import { PublishError, type PublishFile, type PublishProgress, type PublishRequest } from '~/lib/publish/publish-host.server';
import { FakeNetlify } from '../fakes/fake-netlify';

const fake = new FakeNetlify({ transitionMs: 15 });
const events: PublishProgress[] = [];
const errors: string[] = [];

beforeAll(async () => {
  await fake.start(25041);
});
afterAll(async () => {
  await fake.stop();
});
afterEach(() => {
  // No message and no log line of any test carries a token; the token travels only in the header.
  const texts = [...errors, ...events.map((e) => JSON.stringify(e))];
  expect(texts.filter((t) => t.includes(fake.token) || t.includes('nfp_'))).toEqual([]);
  for (const r of fake.requests) {
    expect(r.path.includes(fake.token) || r.body.includes(fake.token)).toBe(false);
  }
  events.length = 0;
  errors.length = 0;
  Object.assign(fake.faults, { uploads: new Map(), rateLimited: 0, rateLimitResetSeconds: 1, retryAfterSeconds: undefined, deployError: undefined, unauthorizedBody: 'json', uploadDelayMs: 0 });
});

const host = (options: NetlifyHostOptions = {}) => new NetlifyHost({ apiUrl: fake.url, pollMs: 10, backoffMs: 10, ...options });
const text = (s: string) => new TextEncoder().encode(s);
/** Three files, their contents marked with `salt`: Netlify holds contents by digest across sites, so each test publishes its own. */
const files = (salt: string, overrides: Record<string, string> = {}): PublishFile[] =>
  Object.entries({ 'index.html': `<h1>Hello ${salt}</h1><script src="assets/app.js"></script>`, 'assets/app.js': `console.log("${salt}")`, 'about us/50% off.html': `<p>about ${salt}</p>`, ...overrides }).map(([path, content]) => ({ path, content: text(content) }));
let names = 0;
const uniqueName = () => `appforge-test-${Date.now().toString(36)}-${names++}`;

function request(over: Partial<PublishRequest> = {}): PublishRequest {
  const siteName = over.siteName ?? uniqueName();
  return { token: fake.token, siteName, files: files(siteName), onProgress: (e) => events.push(e), ...over };
}

/** The PublishError a publish ends in (its message kept for the token check). */
async function failure(publishing: Promise<unknown>): Promise<PublishError> {
  const error = await publishing.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(PublishError);
  errors.push((error as PublishError).message);
  return error as PublishError;
}

const uploadsOf = (deployId: string) => fake.uploads.filter((u) => u.deployId === deployId).map((u) => u.path).sort();

describe('NetlifyHost publishes by file digests', () => {
  it('publishes three files to a new site, served at the URL it returns', async () => {
    const name = uniqueName();
    const result = await host().publish(request({ siteName: name }));
    const site = fake.sites.get(result.siteId)!;
    expect(site.name).toBe(name);
    expect(result).toMatchObject({ deployId: expect.any(String), url: fake.siteUrl(site), uploaded: 3, reused: 0 });
    expect(uploadsOf(result.deployId)).toEqual(['/about us/50% off.html', '/assets/app.js', '/index.html']);
    // Served: `/` is index.html, the rest by path (the space encoded on the way up and down).
    expect(await (await fetch(result.url)).text()).toBe(`<h1>Hello ${name}</h1><script src="assets/app.js"></script>`);
    expect(await fake.visit(name, '/assets/app.js')).toMatchObject({ status: 200, body: `console.log("${name}")`, contentType: 'text/javascript; charset=utf-8' });
    expect(await fake.visit(name, '/about%20us/50%25%20off.html')).toMatchObject({ status: 200, body: `<p>about ${name}</p>` });
    expect((await fake.visit(name, '/missing.html')).status).toBe(404);
    // Progress: Netlify's states as they came, and each upload.
    const states = events.filter((e) => e.type === 'state').map((e) => (e as { state: string }).state);
    expect(states[0]).toBe('preparing');
    expect(states).toContain('prepared');
    expect(states.at(-1)).toBe('ready');
    expect(events.filter((e) => e.type === 'upload').at(-1)).toEqual({ type: 'upload', done: 3, total: 3, bytes: files(name).reduce((n, f) => n + f.content.byteLength, 0) });
    // Each request carried the token in its Authorization header, to the API only.
    const mine = fake.requests.slice(-8);
    expect(mine.every((r) => r.authorization === `Bearer ${fake.token}` && r.path.startsWith('/api/v1/'))).toBe(true);
  });

  it('publishes again to the same site, uploading only the file that changed, and serves the new content', async () => {
    const name = uniqueName();
    const first = await host().publish(request({ siteName: name }));
    const second = await host().publish(request({ siteName: name, siteId: first.siteId, files: files(name, { 'assets/app.js': `console.log(2, "${name}")` }) }));
    expect(second.siteId).toBe(first.siteId);
    expect(second.deployId).not.toBe(first.deployId);
    expect(second).toMatchObject({ uploaded: 1, reused: 2, url: first.url });
    expect(uploadsOf(second.deployId)).toEqual(['/assets/app.js']);
    expect((await fake.visit(name, '/assets/app.js')).body).toBe(`console.log(2, "${name}")`);
    expect((await fake.visit(name, '/')).body).toContain(`<h1>Hello ${name}</h1>`);
    // Nothing changed: nothing uploaded, and the deploy still goes live.
    const third = await host().publish(request({ siteName: name, siteId: first.siteId, files: files(name, { 'assets/app.js': `console.log(2, "${name}")` }) }));
    expect(third).toMatchObject({ uploaded: 0, reused: 3 });
    expect(fake.deploys.get(third.deployId)!.state).toBe('ready');
  });

  it('serves a site at <name>.netlify.localhost as well, for browsers', async () => {
    const name = uniqueName();
    await host().publish(request({ siteName: name }));
    const body = await new Promise<string>((resolve, reject) => {
      const req = httpRequest({ host: '127.0.0.1', port: 25041, path: '/assets/app.js', headers: { host: `${name}.netlify.localhost:25041` } }, (res) => {
        let out = '';
        res.on('data', (chunk: Buffer) => (out += chunk.toString()));
        res.on('end', () => resolve(out));
      });
      req.on('error', reject);
      req.end();
    });
    expect(body).toBe(`console.log("${name}")`);
  });

  it('uploads files of the same content once, and serves both', async () => {
    const name = uniqueName();
    const same = `console.log("same ${name}")`;
    const result = await host().publish(request({ siteName: name, files: files(name, { 'a.js': same, 'b/a.js': same }) }));
    expect(result).toMatchObject({ uploaded: 4, reused: 0 });
    expect(uploadsOf(result.deployId)).toHaveLength(4);
    expect((await fake.visit(name, '/a.js')).body).toBe(same);
    expect((await fake.visit(name, '/b/a.js')).body).toBe(same);
  });

  it('uploads a bounded number of files at once', async () => {
    fake.faults.uploadDelayMs = 30;
    fake.maxConcurrentUploads = 0;
    const many = Array.from({ length: 10 }, (_, i) => ({ path: `f${i}.txt`, content: text(`file ${i} ${Date.now()}`) }));
    const result = await host({ concurrency: 4 }).publish(request({ files: many }));
    expect(result.uploaded).toBe(10);
    expect(fake.maxConcurrentUploads).toBe(4);
  });

  it('says a taken name is taken', async () => {
    fake.createSite('someone-elses-site');
    const error = await failure(host().publish(request({ siteName: 'someone-elses-site' })));
    expect(error.kind).toBe('name-taken');
    expect(error.status).toBe(409);
    expect(error.message).toContain('"someone-elses-site" is taken on Netlify');
  });

  it('says a refused token is refused, whatever the body, and never quotes it', async () => {
    for (const body of ['json', 'text'] as const) {
      fake.faults.unauthorizedBody = body;
      const wrong = `nfp_wrong${'x'.repeat(30)}`;
      const error = await failure(host().publish(request({ token: wrong })));
      expect(error.kind).toBe('token');
      expect(error.status).toBe(401);
      expect(error.message).toMatch(/^Netlify refused the token .*Paste a new one\.$/);
      expect(error.message).not.toContain(wrong);
    }
    // A token that cannot stand in a header is refused before it is sent (fetch's own error would quote it).
    const broken = `nfp_broken\n${'y'.repeat(20)}`;
    const error = await failure(host().publish(request({ token: broken })));
    expect(error.kind).toBe('token');
    expect(error.message).not.toContain('nfp_broken');
  });

  it('retries an upload whose connection was cut, and one answered 500', async () => {
    fake.faults.uploads.set(fake.uploadAttempts + 2, 'cut');
    fake.faults.uploads.set(fake.uploadAttempts + 3, 500);
    const before = fake.uploadAttempts;
    const name = uniqueName();
    const result = await host({ concurrency: 1 }).publish(request({ siteName: name }));
    expect(result.uploaded).toBe(3);
    expect(fake.uploadAttempts - before).toBe(5);
    expect((await fake.visit(name, '/assets/app.js')).body).toBe(`console.log("${name}")`);
  });

  it('gives up on an upload after three retries, as an upload failure', async () => {
    const at = fake.uploadAttempts;
    for (let i = 1; i <= 4; i++) fake.faults.uploads.set(at + i, 'cut');
    const error = await failure(host({ concurrency: 1 }).publish(request()));
    expect(error.kind).toBe('upload');
    expect(error.message).toMatch(/^Could not reach Netlify while uploading .+, after 4 attempts\. Try again in a moment\.$/);
    expect(fake.uploadAttempts - at).toBe(4);
  });

  it('waits out a 429 for as long as Retry-After asks, then carries on', async () => {
    fake.faults.rateLimited = 1;
    fake.faults.retryAfterSeconds = 1;
    fake.faults.rateLimitResetSeconds = 60;
    const from = fake.requests.length;
    await host().publish(request());
    const [refused, again] = fake.requests.slice(from, from + 2);
    expect(refused.path).toBe('/api/v1/sites');
    expect(again.path).toBe('/api/v1/sites');
    expect(again.at - refused.at).toBeGreaterThanOrEqual(950);
    expect(again.at - refused.at).toBeLessThan(5000);
  });

  it('waits out a 429 until X-RateLimit-Reset when there is no Retry-After (what Netlify documents)', async () => {
    fake.faults.uploads.set(fake.uploadAttempts + 1, 429);
    fake.faults.rateLimitResetSeconds = 1;
    const from = fake.requests.length;
    const result = await host().publish(request());
    expect(result.uploaded).toBe(3);
    const puts = fake.requests.slice(from).filter((r) => r.method === 'PUT');
    const retried = puts.filter((r) => r.path === puts[0].path);
    expect(retried).toHaveLength(2);
    expect(retried[1].at - retried[0].at).toBeGreaterThanOrEqual(500);
  });

  it('reports a rate limit it will not wait out, with how long to wait', async () => {
    fake.faults.rateLimited = 1;
    fake.faults.rateLimitResetSeconds = 120;
    const error = await failure(host({ maxRateLimitWaitMs: 5000 }).publish(request()));
    expect(error.kind).toBe('rate-limited');
    expect(error.status).toBe(429);
    expect(error.retryAfter).toBeGreaterThanOrEqual(118);
    expect(error.retryAfter).toBeLessThanOrEqual(121);
    const wait = error.retryAfter! < 120 ? `${error.retryAfter} s` : `${Math.ceil(error.retryAfter! / 60)} min`;
    expect(error.message).toBe(`Netlify is limiting requests (while creating the site): Too Many Requests. Try again in ${wait}.`);
  });

  it("reports a deploy that ends in error with Netlify's message", async () => {
    fake.faults.deployError = 'Failed to process the files: too many redirects';
    const error = await failure(host().publish(request()));
    expect(error.kind).toBe('host');
    expect(error.message).toBe('Netlify could not publish the deploy: Failed to process the files: too many redirects.');
  });

  it('says a saved site that was deleted is gone', async () => {
    const first = await host().publish(request());
    fake.deleteSite(first.siteId);
    const error = await failure(host().publish(request({ siteId: first.siteId })));
    expect(error.kind).toBe('not-found');
    expect(error.status).toBe(404);
    expect(error.message).toContain(`(${first.siteId}) is gone`);
  });

  it('gives up when the deploy does not go live in time', async () => {
    fake.transitionMs = 5000;
    try {
      const error = await failure(host({ timeoutMs: 300 }).publish(request()));
      expect(error.kind).toBe('host');
      expect(error.status).toBe(504);
      expect(error.message).toContain('did not finish publishing within 1 s');
    } finally {
      fake.transitionMs = 15;
    }
  });

  it('follows no redirect: the token goes to the API origin and nowhere else', async () => {
    const calls: { url: string; redirect?: RequestRedirect }[] = [];
    const redirecting: typeof fetch = async (input, init) => {
      calls.push({ url: String(input), redirect: init?.redirect });
      return new Response(null, { status: 302, headers: { location: 'http://127.0.0.1:9/steal' } });
    };
    const error = await failure(host({ fetch: redirecting }).publish(request()));
    expect(error.kind).toBe('host');
    expect(error.message).toContain('redirect (HTTP 302); it is not followed');
    expect(calls).toEqual([{ url: `${fake.url}/api/v1/sites`, redirect: 'manual' }]);
  });

  it('stops when the person cancels', async () => {
    const controller = new AbortController();
    fake.faults.uploadDelayMs = 200;
    const publishing = host().publish(request({ signal: controller.signal }));
    setTimeout(() => controller.abort(new Error('cancelled')), 100);
    await expect(publishing).rejects.toThrow('cancelled');
  });
});
