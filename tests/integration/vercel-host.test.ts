// Publishing to Vercel against the loopback Vercel (tests/fakes/fake-vercel.ts, held to Vercel's
// published contract by vercel-contract.test.ts): what is published is served, a second publish
// uploads only what changed, and each way Vercel refuses becomes its PublishError, never with the token.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { PublishError, type PublishFile, type PublishProgress, type PublishRequest } from '~/lib/publish/publish-host.server';
import { VercelHost, vercelNameProblem } from '~/lib/publish/vercel.server';
import { FakeVercel } from '../fakes/fake-vercel';

const fake = new FakeVercel({ transitionMs: 30 });
let calls = 0;
const host = () =>
  new VercelHost({
    apiUrl: fake.apiUrl,
    fetch: (input, init) => {
      calls += 1;
      return fetch(input, init);
    },
    pollMs: 10,
    retryDelayMs: 5,
    uploadConcurrency: 2,
    timeoutMs: 10_000,
  });

const text = (s: string) => new TextEncoder().encode(s);
const site = (version: string): PublishFile[] => [
  { path: 'index.html', content: text(`<!doctype html><h1>Hello ${version}</h1><script src="/assets/app.js"></script>`) },
  { path: 'assets/app.js', content: text(`console.log(${JSON.stringify(version)})`) },
  { path: 'assets/style.css', content: text(`h1::after { content: ${JSON.stringify(version)} }`) },
];

function request(overrides: Partial<PublishRequest> = {}): PublishRequest & { events: PublishProgress[] } {
  const events: PublishProgress[] = [];
  // Each site's own content: Vercel keeps an account's files by digest for all its projects, so
  // files another test uploaded would not be uploaded again.
  const siteName = overrides.siteName ?? 'my-site';
  return { token: fake.token, siteName, files: site(siteName), onProgress: (e) => events.push(e), events, ...overrides };
}

/** The PublishError `work` throws, checked to carry no token anywhere. */
async function refusal(work: Promise<unknown>, ...tokens: string[]): Promise<PublishError> {
  const error = await work.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(PublishError);
  for (const token of [fake.token, ...tokens]) expect(JSON.stringify({ ...(error as PublishError), message: (error as Error).message })).not.toContain(token);
  return error as PublishError;
}

beforeAll(() => fake.start(25111));
afterAll(() => fake.stop());
beforeEach(() => {
  calls = 0;
  Object.assign(fake.faults, { cutUploads: [], once: [], rateLimited: { count: 0, retryAfter: 1 }, buildError: undefined });
});

describe('VercelHost', () => {
  it('publishes the files, which Vercel then serves at the production address it gave', async () => {
    const req = request();
    const result = await host().publish(req);
    expect(result).toMatchObject({ url: 'https://my-site.vercel.app', uploaded: 3, reused: 0 });
    expect(result.siteId).toBe(fake.project('my-site')!.id);
    expect(result.deployId).toMatch(/^dpl_/);
    const page = await fake.fetchSite(result.url);
    expect(page).toMatchObject({ status: 200, body: expect.stringContaining('Hello my-site') });
    expect(page.type).toMatch(/text\/html/);
    expect((await fake.fetchSite(result.url, '/assets/app.js')).body).toBe('console.log("my-site")');
    expect(req.events.filter((e) => e.type === 'state').map((e) => (e as { state: string }).state)).toEqual(['QUEUED', 'BUILDING', 'READY']);
    expect(req.events.filter((e) => e.type === 'upload').at(-1)).toEqual({ type: 'upload', done: 3, total: 3, bytes: site('my-site').reduce((n, f) => n + f.content.byteLength, 0) });
    // The token goes only in the Authorization header.
    for (const r of fake.requests.slice(-calls)) expect(r.headers.authorization).toBe(`Bearer ${fake.token}`);
  });

  it('publishes again to the same project, uploading only the file that changed, and serves the new content', async () => {
    const first = await host().publish(request({ siteName: 'two-times' }));
    const storedBefore = fake.stored.length;
    const files = site('two-times');
    files[0] = { path: 'index.html', content: text('<!doctype html><h1>Hello two</h1>') };
    const second = await host().publish(request({ siteName: 'two-times', siteId: first.siteId, files }));
    expect(second.siteId).toBe(first.siteId);
    expect(second.deployId).not.toBe(first.deployId);
    expect(second).toMatchObject({ uploaded: 1, reused: 2, url: first.url });
    expect(fake.stored.length - storedBefore).toBe(1);
    expect((await fake.fetchSite(second.url)).body).toContain('Hello two');
    expect(fake.project('two-times')!.deployments).toHaveLength(2);
  });

  it('refuses a name Vercel would refuse before any request, with a sentence', async () => {
    for (const name of ['My Site', 'a---b', 'x'.repeat(101), '', 'site/one']) {
      const before = fake.requests.length;
      const error = await refusal(host().publish(request({ siteName: name })));
      expect(error.status).toBe(400);
      expect(error.message).toMatch(/cannot be a Vercel project name: Vercel project names are lowercase letters, digits/);
      expect(calls).toBe(0);
      expect(fake.requests.length).toBe(before);
    }
    expect(vercelNameProblem('My Site')).toContain('“my-site” would do');
    expect(vercelNameProblem('my.site_2-b')).toBeUndefined();
  });

  it("turns a refused token into 'token', without the token in any message", async () => {
    const bad = 'vc_wrong_token_0123456789abcdef';
    const req = request({ token: bad, siteName: 'bad-token' });
    const error = await refusal(host().publish(req), bad);
    expect(error.kind).toBe('token');
    expect(error.message).toMatch(/^Vercel refused the token while creating the project bad-token \(Not authorized\):.*paste it\.$/);
    expect(JSON.stringify(req.events)).not.toContain(bad);
    expect(fake.project('bad-token')).toBeUndefined();
  });

  it('retries an upload whose connection was cut, and gives up after three retries', async () => {
    const storedBefore = fake.stored.length;
    fake.faults.cutUploads = [fake.requests.filter((r) => r.operation === 'uploadFile').length + 2];
    const result = await host().publish(request({ siteName: 'cut-once' }));
    expect(result.uploaded).toBe(3);
    expect(fake.stored.length - storedBefore).toBe(3);
    expect((await fake.fetchSite(result.url)).status).toBe(200);

    const n = fake.requests.filter((r) => r.operation === 'uploadFile').length;
    fake.faults.cutUploads = [n + 1, n + 2, n + 3, n + 4];
    const error = await refusal(host().publish(request({ siteName: 'cut-always', files: [{ path: 'index.html', content: text('only') }] })));
    expect(error.kind).toBe('upload');
    expect(error.message).toMatch(/^Could not reach Vercel while uploading index\.html .*after 4 attempts/);
  });

  it("waits out a short Retry-After and retries; a long one is 'rate-limited' with its wait", async () => {
    fake.faults.once = [{ operation: 'uploadFile', status: 429, retryAfter: 1 }];
    const started = Date.now();
    const result = await host().publish(request({ siteName: 'limited-once' }));
    expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
    expect(result.uploaded).toBe(3);
    expect(fake.faults.once).toEqual([]);

    fake.faults.rateLimited = { count: 1, retryAfter: 3600 };
    const error = await refusal(host().publish(request({ siteName: 'limited-long' })));
    expect(error).toMatchObject({ kind: 'rate-limited', status: 429, retryAfter: 3600 });
    expect(error.message).toMatch(/^Vercel is limiting requests \(while creating the project limited-long\).*Try again in 60 min\.$/);
  });

  it('retries a 500 while waiting for the deployment', async () => {
    fake.faults.once = [{ operation: 'getDeployment', status: 500 }];
    const result = await host().publish(request({ siteName: 'flaky-poll' }));
    expect(fake.faults.once).toEqual([]);
    expect((await fake.fetchSite(result.url)).body).toContain('Hello flaky-poll');
  });

  it("turns a deployment that ends in ERROR into 'host' with Vercel's message", async () => {
    fake.faults.buildError = { code: 'BUILD_FAILED', message: 'Command "npm run build" exited with 1' };
    const req = request({ siteName: 'broken-build' });
    const error = await refusal(host().publish(req));
    expect(error.kind).toBe('host');
    expect(error.message).toBe('Vercel could not publish the site (ERROR): Command "npm run build" exited with 1.');
    expect(req.events.filter((e) => e.type === 'state').map((e) => (e as { state: string }).state).at(-1)).toBe('ERROR');
  });

  it("turns a project that no longer exists into 'not-found', before uploading anything", async () => {
    const stored = fake.stored.length;
    const error = await refusal(host().publish(request({ siteId: 'prj_doesnotexist0000000000' })));
    expect(error).toMatchObject({ kind: 'not-found', status: 404 });
    expect(error.message).toContain('Vercel has no project prj_doesnotexist0000000000 for this token');
    expect(fake.stored.length).toBe(stored);

    const gone = await host().publish(request({ siteName: 'deleted-later' }));
    fake.deleteProject(gone.siteId);
    expect((await refusal(host().publish(request({ siteName: 'deleted-later', siteId: gone.siteId })))).kind).toBe('not-found');
  });

  it("refuses a name the account already uses for a site ('name-taken'), but takes over an empty project an earlier publish left", async () => {
    await host().publish(request({ siteName: 'already-mine' }));
    const error = await refusal(host().publish(request({ siteName: 'already-mine', files: site('other chat') })));
    expect(error).toMatchObject({ kind: 'name-taken', status: 409 });
    expect((await fake.fetchSite('https://already-mine.vercel.app')).body).toContain('Hello already-mine');

    const empty = fake.createProject('left-empty');
    const result = await host().publish(request({ siteName: 'left-empty' }));
    expect(result.siteId).toBe(empty.id);
    expect((await fake.fetchSite(result.url)).status).toBe(200);
  });

  it("publishes a name another account uses: Vercel gives another address, and that is the URL", async () => {
    const other = fake.addAccount('someone');
    const theirs = await host().publish(request({ token: other, siteName: 'popular', files: site('theirs') }));
    expect(theirs.url).toBe('https://popular.vercel.app');
    const mine = await host().publish(request({ siteName: 'popular', files: site('mine') }));
    expect(mine.url).toBe('https://popular-fake-user-projects.vercel.app');
    expect((await fake.fetchSite(mine.url)).body).toContain('Hello mine');
    expect((await fake.fetchSite(theirs.url)).body).toContain('Hello theirs');
  });

  it('gives up on a deployment that does not finish in time', async () => {
    const slow = new FakeVercel({ transitionMs: 60_000 });
    await slow.start(25112);
    try {
      const quick = new VercelHost({ apiUrl: slow.apiUrl, pollMs: 10, timeoutMs: 1000 });
      const error = await refusal(quick.publish({ ...request({ siteName: 'slow', token: slow.token }) }), slow.token);
      expect(error).toMatchObject({ kind: 'host', status: 504 });
      expect(error.message).toMatch(/^Vercel had not finished the deployment \(QUEUED\) after 1 s/);
    } finally {
      await slow.stop();
    }
  });
});
