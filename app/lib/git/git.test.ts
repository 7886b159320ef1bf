import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeGitHub } from '../../../tests/fakes/fake-github';
import { createPullRequest, getRepo } from './github-api.server';
import { readRepoEvents } from './repo-events';
import { isBranchName, parseRepoUrl } from './repo-url';
import { RunLimits } from './run-limits.server';
import { gitHttpClient } from './git-http.server';
import { ServerCheckout, type CheckoutOptions } from './server-checkout.server';
import { redactSecrets } from '../http/redact';

describe('parseRepoUrl', () => {
  it('reads the forms people paste', () => {
    for (const input of ['https://github.com/acme/site', 'https://github.com/acme/site.git', 'http://github.com/acme/site/', 'github.com/acme/site', 'acme/site', '  https://github.com/acme/site  ']) {
      expect(parseRepoUrl(input)).toEqual({ ok: true, ref: { owner: 'acme', repo: 'site' } });
    }
    expect(parseRepoUrl('https://github.com/acme/site/tree/feature/x')).toEqual({ ok: true, ref: { owner: 'acme', repo: 'site', branch: 'feature/x' } });
    expect(parseRepoUrl('http://10.0.0.5:8080/acme/site', 'http://10.0.0.5:8080')).toEqual({ ok: true, ref: { owner: 'acme', repo: 'site' } });
  });

  it('refuses other hosts, credentials in the URL, odd paths and branch names', () => {
    expect(parseRepoUrl('https://gitlab.com/acme/site')).toEqual({ ok: false, reason: 'Only repositories on github.com can be imported (gitlab.com is not).' });
    expect(parseRepoUrl('https://github.com.evil.com/acme/site').ok).toBe(false);
    expect(parseRepoUrl('file:///etc/passwd').ok).toBe(false);
    expect(parseRepoUrl('ssh://git@github.com/acme/site').ok).toBe(false);
    expect(parseRepoUrl('https://user:ghp_secret@github.com/acme/site')).toEqual({ ok: false, reason: 'Leave credentials out of the URL; add a GitHub token instead.' });
    expect(parseRepoUrl('https://github.com/acme').ok).toBe(false);
    expect(parseRepoUrl('https://github.com/acme/../etc').ok).toBe(false);
    expect(parseRepoUrl('https://github.com/acme/site/blob/main/x').ok).toBe(false);
    expect(parseRepoUrl('https://github.com/acme/site/tree/a..b').ok).toBe(false);
    expect(parseRepoUrl('').ok).toBe(false);
  });

  it('knows branch names git accepts', () => {
    expect(['main', 'feature/x', 'release-1.2', 'a_b'].every(isBranchName)).toBe(true);
    expect(['-x', 'a..b', 'a b', 'a~1', 'x.lock', 'x/', '/x', 'a:b', "a'b\\"].some(isBranchName)).toBe(false);
  });
});

describe('the GitHub API', () => {
  const github = new FakeGitHub();
  beforeAll(async () => {
    await github.start();
    github.createRepo('acme/api', { 'a.txt': 'a\n' });
    github.createRepo('acme/hidden', { 'a.txt': 'a\n' }, { private: true, defaultBranch: 'trunk' });
  });
  afterAll(() => github.stop());
  const api = (token?: string) => ({ apiUrl: github.apiUrl, token });

  it("reads a repository's default branch and whether the token may push", async () => {
    expect(await getRepo(api(github.token), { owner: 'acme', repo: 'hidden' })).toEqual({ defaultBranch: 'trunk', private: true, canPush: true });
    expect(await getRepo(api(), { owner: 'acme', repo: 'api' })).toEqual({ defaultBranch: 'main', private: false, canPush: false });
    await expect(getRepo(api(), { owner: 'acme', repo: 'hidden' })).rejects.toMatchObject({ status: 404, kind: 'not-found' });
  });

  it('says when the rate limit is used up, and when a pull request is refused', async () => {
    github.rateLimited = 1;
    await expect(getRepo(api(), { owner: 'acme', repo: 'api' })).rejects.toThrow(/^GitHub's API rate limit is used up until \d\d:\d\d UTC while reading the repository\. Try again then, or add a GitHub token \(its limit is higher\)\.$/);
    await expect(createPullRequest(api(github.token), { owner: 'acme', repo: 'api' }, { title: 'T', body: '', head: 'no-such-branch', base: 'main' })).rejects.toMatchObject({ status: 422, message: 'GitHub answered 422 while opening the pull request: Validation Failed (head invalid).' });
    await expect(createPullRequest(api('ghp_wrong_token_000000000000'), { owner: 'acme', repo: 'api' }, { title: 'T', body: '', head: 'main', base: 'main' })).rejects.toMatchObject({ status: 401, kind: 'auth' });
  });
});

describe("the server's checkout", () => {
  const github = new FakeGitHub();
  const MB = 1_000_000;
  beforeAll(async () => {
    await github.start();
  });
  afterAll(() => github.stop());
  const fetchRepo = (repo: string, options: Partial<CheckoutOptions> = {}) => ServerCheckout.fetch({ url: `${github.url}/${repo}.git`, maxBytes: 20 * MB, ...options });

  it('reads the text files under the caps and lists what it left out, and why: binaries, symbolic links, large files, build output', async () => {
    github.createRepo('acme/mixed', { 'index.html': '<p/>\n', 'logo.png': '\u0000PNG', 'data/big.json': 'x'.repeat(1_000_001), 'dist/app.js': 'x', 'site/a.css': 'a{}' }, { symlinks: { 'etc-passwd': '/etc/passwd', 'docs/link': '../index.html' } });
    const checkout = await fetchRepo('acme/mixed');
    expect(checkout.branch).toBe('main');
    expect(checkout.commit).toBe(github.commitOf('acme/mixed', 'main'));
    const project = await checkout.readProject();
    expect(project.files).toEqual({ 'index.html': '<p/>\n', 'site/a.css': 'a{}' });
    expect(project.skipped.sort()).toEqual([
      'data/big.json: larger than 1,000,000 bytes',
      "dist/app.js: rebuilt by the project's install or build",
      'docs/link: a symbolic link: not imported',
      'etc-passwd: a symbolic link: not imported',
      'logo.png: not a text file',
    ]);
  });

  it('stops at 2,000 files and says so', async () => {
    github.createRepo('acme/many', Object.fromEntries(Array.from({ length: 2_001 }, (_, i) => [`src/f${String(i).padStart(4, '0')}.js`, 'x()'])));
    const project = await (await fetchRepo('acme/many')).readProject();
    expect(Object.keys(project.files)).toHaveLength(2_000);
    expect(project.skipped).toEqual(['src/f2000.js: more than 2000 files']);
  });

  it("says why a fetch failed, in the user's words, and never follows the repository elsewhere", async () => {
    github.createRepo('acme/closed', { 'a.txt': 'a\n' }, { private: true });
    await expect(fetchRepo('acme/closed')).rejects.toMatchObject({ status: 401, message: 'The repository is private or does not exist: add a GitHub token that can read it.' });
    await expect(fetchRepo('acme/closed', { token: 'ghp_wrong_token_000000000000' })).rejects.toMatchObject({ status: 401, message: 'GitHub refused the token for this repository: check that it is valid and may read the repository.' });
    expect((await (await fetchRepo('acme/closed', { token: github.token })).readProject()).files).toEqual({ 'a.txt': 'a\n' });
    await expect(fetchRepo('acme/closed', { token: github.token, branch: 'nope' })).rejects.toMatchObject({ status: 404, message: 'That branch does not exist in the repository (nope).' });
    await expect(fetchRepo('acme/closed', { token: github.token, maxBytes: 100 })).rejects.toMatchObject({ status: 413 });
    await expect(ServerCheckout.fetch({ url: 'http://127.0.0.1:9/acme/x.git', maxBytes: MB })).rejects.toMatchObject({ status: 502, message: expect.stringMatching(/^Could not reach the git server/) });
  });

  it('sends the token only to the repository\'s own origin and follows no redirect', async () => {
    const seen: Array<{ url: string; auth: string | null }> = [];
    const fetchImpl = (async (url: string, init: RequestInit) => {
      seen.push({ url, auth: new Headers(init.headers).get('authorization') });
      return new Response(null, { status: 302, headers: { location: 'http://elsewhere.test/steal' } });
    }) as unknown as typeof fetch;
    const http = gitHttpClient({ origin: 'http://git.test', authorization: 'Basic c2VjcmV0', maxBytes: MB, fetchImpl });
    await expect(http.request({ url: 'http://elsewhere.test/x.git/info/refs' })).rejects.toThrow(/not the repository's host/);
    expect(seen).toEqual([]);
    await expect(http.request({ url: 'http://git.test/x.git/info/refs' })).rejects.toThrow(/redirects are not followed/);
    expect(seen).toEqual([{ url: 'http://git.test/x.git/info/refs', auth: 'Basic c2VjcmV0' }]);
  });

  it('finds an older base commit by deepening, commits over it, and refuses writes into .git or through a symbolic link', async () => {
    const base = github.createRepo('acme/moving', { 'a.txt': 'a\n', '.gitignore': 'dist/\n' }, { symlinks: { gitdir: '.git' } });
    github.commitOn('acme/moving', 'main', { 'b.txt': 'b\n' });
    const checkout = await fetchRepo('acme/moving', { branch: 'main', commit: base });
    expect(checkout.commit).toBe(base);
    const refused = await checkout.apply({ 'a.txt': 'A\n', 'new.txt': 'n\n', 'dist/out.js': 'built', '.git/config': '[core]\n', 'gitdir/config': '[core]\n' }, ['.gitignore']);
    expect(refused).toEqual(['.git/config', 'gitdir/config']);
    expect(await checkout.stage()).toEqual(['D .gitignore', 'M a.txt', 'A dist/out.js', 'A new.txt']);
  });

  it('refuses an old base commit that is not in the branch any more', async () => {
    github.createRepo('acme/rewritten', { 'a.txt': 'a\n' });
    await expect(fetchRepo('acme/rewritten', { branch: 'main', commit: 'f'.repeat(40) })).rejects.toMatchObject({ status: 409 });
  });
});

describe('redactSecrets', () => {
  it('hides a token as it is, URL-encoded, and base64-encoded at any alignment inside longer text', () => {
    const token = 'ghp_abcdefghijklmnopqrstuvwxyz0123456789';
    for (const prefix of ['', 'A', 'AB', 'ABC', 'PATH=/usr/bin\nGIT_CONFIG_VALUE_0=Authorization: Basic ']) {
      for (const secret of [token, `x-access-token:${token}`]) {
        const text = `before ${Buffer.from(`${prefix}${secret} and after`).toString('base64')} ${token} ${encodeURIComponent(token)}`;
        const out = redactSecrets(text, [token]);
        expect(out).not.toContain(token);
        for (let shift = 0; shift < 3; shift++) expect(out).not.toContain(Buffer.from(`${'x'.repeat(shift)}${secret}`).toString('base64').slice(3, -4));
      }
    }
    expect(redactSecrets('nothing to hide here', [token, undefined])).toBe('nothing to hide here');
  });
});

describe('run limits', () => {
  it('caps runs at once and runs per hour, each with its own sentence', () => {
    let now = 0;
    const limits = new RunLimits(2, 3, () => now);
    const first = limits.admit();
    const second = limits.admit();
    expect(() => limits.admit()).toThrow(/^2 runs are under way, the most this server runs at once \(RUNS_MAX_CONCURRENT\)/);
    // A release counts once, however often it is called.
    first();
    first();
    limits.admit();
    expect(() => limits.admit()).toThrow(/under way/);
    second();
    expect(() => limits.admit()).toThrow(/^3 runs were started in the last hour, the most this server allows \(RUNS_PER_HOUR\)\. Wait 3600 s\.$/);
    // An hour later the window has room again (one run still under way, so one more at once).
    now = 3_600_001;
    expect(() => limits.admit()).not.toThrow();
    expect(() => limits.admit()).toThrow(/under way/);
  });
});

describe('readRepoEvents', () => {
  it('reads events split anywhere, skipping comments', async () => {
    const text = ': still working\n\nevent: cloning\ndata: {"type":"cloning","repo":"a/b"}\n\nevent: done\ndata: {"type":"done","ok":true}\n\n';
    const bytes = new TextEncoder().encode(text);
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let i = 0; i < bytes.length; i += 7) controller.enqueue(bytes.subarray(i, i + 7));
        controller.close();
      },
    });
    const events = [];
    for await (const event of readRepoEvents(stream)) events.push(event);
    expect(events).toEqual([{ type: 'cloning', repo: 'a/b' }, { type: 'done', ok: true }]);
  });
});
