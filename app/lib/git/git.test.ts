import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeGitHub } from '../../../tests/fakes/fake-github';
import { createPullRequest, getRepo } from './github-api.server';
import { readRepoEvents } from './repo-events';
import { isBranchName, parseRepoUrl } from './repo-url';
import { RunLimits } from './run-limits.server';
import { RepoWorkspace } from './repo-workspace.server';
import { SandboxService } from '../sandbox/sandbox-service.server';
import type { TreeEntry } from '../sandbox/sandbox-api';
import { MemoryProvider } from '../../../tests/fakes/memory-provider';
import { cloneCommand, cloneFailure, shellQuote } from './sandbox-git';

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

describe('git in the sandbox', () => {
  it('quotes every value for the shell', () => {
    const dir = mkdtempSync(join(tmpdir(), 'quote-'));
    const value = `it's $(touch ${dir}/pwned) \`x\` "y"`;
    expect(execFileSync('sh', ['-c', `printf %s ${shellQuote(value)}`], { encoding: 'utf8' })).toBe(value);
    expect(execFileSync('ls', [dir], { encoding: 'utf8' })).toBe('');
    rmSync(dir, { recursive: true });
  });

  it('puts a token on stdin, never in the command, and scopes its header to the repository host', () => {
    const command = cloneCommand({ url: 'https://github.com/acme/site.git', branch: 'main', commit: 'a'.repeat(40), token: 'ghp_secret_token_value' });
    expect(command).not.toContain('ghp_secret');
    expect(command).toContain('IFS= read -r AUTH');
    expect(command).toContain("'http.https://github.com/.extraHeader'");
    expect(command).toContain("--branch 'main'");
    expect(command).toContain(`git -c core.hooksPath=/dev/null -c credential.helper= -c advice.detachedHead=false -c init.defaultBranch=main fetch --quiet --depth 1 origin '${'a'.repeat(40)}'`);
    expect(cloneCommand({ url: 'https://github.com/acme/site.git' })).not.toContain('read -r');
  });

  it("turns git's failures into sentences, and never repeats a header", () => {
    expect(cloneFailure("fatal: could not read Username for 'https://github.com': terminal prompts disabled", false)).toMatchObject({ status: 401, message: 'The repository is private or does not exist: add a GitHub token that can read it.' });
    expect(cloneFailure('remote: Invalid username or password.\nfatal: Authentication failed', true).message).toBe('GitHub refused the token for this repository: check that it is valid and may read the repository.');
    expect(cloneFailure('fatal: Remote branch nope not found in upstream origin', false)).toMatchObject({ status: 404 });
    expect(cloneFailure("fatal: repository 'https://github.com/a/b.git/' not found", false)).toMatchObject({ status: 404, message: 'The repository was not found (or the token cannot see it).' });
    expect(cloneFailure('fatal: unable to access: Could not resolve host: github.com', false).message).toMatch(/^The sandbox could not reach the git server/);
    expect(cloneFailure('sh: 1: git: not found', false)).toMatchObject({ status: 501, message: "git is not installed where the sandbox runs (Local sandboxes use the host's /usr: apt-get install git)." });
    expect(cloneFailure('error: server sent Authorization: Basic c2VjcmV0 weird\nfatal: boom', true).message).not.toContain('c2VjcmV0');
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

describe("a repository's files", () => {
  /** A provider whose sandbox holds the given tree. */
  class TreeProvider extends MemoryProvider {
    constructor(private readonly entries: TreeEntry[]) {
      super();
    }
    override async readTree() {
      return this.entries;
    }
  }
  const workspaceOver = (entries: TreeEntry[]) => {
    const service = new SandboxService(new TreeProvider(entries), { secret: 'test-secret-test-secret-test-secret', previewHost: 'localhost:5173', previewScheme: 'http', maxPerSession: 2, maxTotal: 3, idleTtlMs: 60_000, defaultShareTtlHours: 24 });
    return RepoWorkspace.create(service, 'a'.repeat(32), 'github-import');
  };

  it('keeps text under the caps and says what was left out of a large repository, and why', async () => {
    const many = Array.from({ length: 2_001 }, (_, i) => ({ path: `src/f${String(i).padStart(4, '0')}.js`, size: 3, content: 'x()' }));
    const workspace = await workspaceOver([{ path: 'assets/logo.png', size: 10 }, { path: 'data/big.json', size: 2_000_000 }, { path: 'dist/app.js', size: 5, content: 'x' }, ...many]);
    const project = await workspace.readProject();
    expect(Object.keys(project.files)).toHaveLength(2_000);
    expect(project.files['src/f0000.js']).toBe('x()');
    expect(project.skipped).toEqual([
      'assets/logo.png: not a text file',
      'data/big.json: larger than 1,000,000 bytes',
      "dist/app.js: rebuilt by the project's install or build",
      'src/f2000.js: more than 2000 files',
      '…: the repository has more than 2000 files; the rest were not read',
    ]);
  });

  it("keeps a repository's paths as they are (one top folder is not an archive's wrapper)", async () => {
    const workspace = await workspaceOver([{ path: 'site/index.html', size: 4, content: '<p/>' }]);
    expect((await workspace.readProject()).files).toEqual({ 'site/index.html': '<p/>' });
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
