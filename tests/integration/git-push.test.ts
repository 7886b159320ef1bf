// The server's push (smart HTTP by hand, with a pack made elsewhere) against a real git server:
// Debian's git http-backend behind the loopback GitHub fake.
import { execFile, execFileSync } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GitRemoteError, pushNewBranch, readPktLines } from '~/lib/git/smart-http-push.server';
import { FakeGitHub, gitEnv } from '../fakes/fake-github';

const github = new FakeGitHub();
const work = mkdtempSync(join(tmpdir(), 'git-push-'));
const env = gitEnv();
const git = (cwd: string, ...args: string[]) => execFileSync('git', args, { cwd, env, encoding: 'utf8', stdio: 'pipe' }).trim();

/** Clones the repo, commits a change on a new local branch, and returns the commit and its thin pack. */
// (The clone is asynchronous: the fake server answers from this same process.)
async function commitAndPack(name: string, files: Record<string, string>) {
  const dir = mkdtempSync(join(work, 'clone-'));
  await promisify(execFile)('git', ['clone', '-q', '--depth', '1', `${github.url}/${name}.git`, '.'], { cwd: dir, env });
  const base = git(dir, 'rev-parse', 'HEAD');
  for (const [path, content] of Object.entries(files)) writeFileSync(join(dir, path), content);
  git(dir, 'add', '-A');
  git(dir, 'commit', '-q', '-m', 'Change');
  const commit = git(dir, 'rev-parse', 'HEAD');
  const pack = execFileSync('git', ['pack-objects', '--revs', '--thin', '--stdout', '-q'], { cwd: dir, env, input: `${commit}\n^${base}\n` });
  return { commit, pack: new Uint8Array(pack) };
}

beforeAll(async () => {
  await github.start();
  github.createRepo('acme/site', { 'index.html': '<h1>Hi</h1>\n', 'README.md': '# Site\n' });
  github.createRepo('acme/locked', { 'a.txt': 'a\n' }, { rejectPushes: 'protected branch hook declined' });
});

afterAll(async () => {
  await github.stop();
  rmSync(work, { recursive: true, force: true });
});

describe('pushNewBranch', () => {
  it('creates the branch at the commit, with the changed files', async () => {
    const { commit, pack } = await commitAndPack('acme/site', { 'index.html': '<h1>Changed</h1>\n', 'new.txt': 'new\n' });
    await pushNewBranch({ repoUrl: `${github.url}/acme/site.git`, token: github.token, branch: 'appforge/change-1', commit, pack });
    expect(github.commitOf('acme/site', 'appforge/change-1')).toBe(commit);
    expect(github.fileAt('acme/site', 'appforge/change-1', 'index.html')).toBe('<h1>Changed</h1>\n');
    expect(github.changesAt('acme/site', 'appforge/change-1').sort()).toEqual(['A new.txt', 'M index.html']);
    expect(github.branches('acme/site')).toContain('main');
  });

  it('refuses to overwrite a branch that exists', async () => {
    const { commit, pack } = await commitAndPack('acme/site', { 'x.txt': 'x\n' });
    await expect(pushNewBranch({ repoUrl: `${github.url}/acme/site.git`, token: github.token, branch: 'main', commit, pack })).rejects.toMatchObject({ kind: 'exists', message: 'The branch main already exists on the remote.' });
  });

  it('says when the token is missing or wrong', async () => {
    const { commit, pack } = await commitAndPack('acme/site', { 'y.txt': 'y\n' });
    const push = (token?: string) => pushNewBranch({ repoUrl: `${github.url}/acme/site.git`, token, branch: 'appforge/nope', commit, pack });
    await expect(push()).rejects.toMatchObject({ kind: 'auth', status: 401, message: 'The repository needs a GitHub token for reading the branches.' });
    await expect(push('ghp_wrong')).rejects.toThrow('GitHub refused the token while reading the branches: check that it is valid and not expired.');
    expect(github.branches('acme/site')).not.toContain('appforge/nope');
  });

  it("passes on the server's reason when a hook rejects the push", async () => {
    const { commit, pack } = await commitAndPack('acme/locked', { 'a.txt': 'b\n' });
    const error = await pushNewBranch({ repoUrl: `${github.url}/acme/locked.git`, token: github.token, branch: 'appforge/x', commit, pack }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GitRemoteError);
    expect((error as GitRemoteError).kind).toBe('rejected');
    expect((error as Error).message).toMatch(/^The push was rejected: pre-receive hook declined \(a branch protection rule or a server hook refused it\)\.$/);
    expect(github.branches('acme/locked')).toEqual(['main']);
  });

  it('says when the repository does not exist', async () => {
    const { commit, pack } = await commitAndPack('acme/site', { 'z.txt': 'z\n' });
    await expect(pushNewBranch({ repoUrl: `${github.url}/acme/gone.git`, token: github.token, branch: 'b', commit, pack })).rejects.toMatchObject({ kind: 'not-found', status: 404 });
  });

  it('reads pkt-lines, flushes included, and stops at a torn line', () => {
    const bytes = new TextEncoder().encode('000eunpack ok\n00000017ok refs/heads/main\n00ffcut');
    expect(readPktLines(bytes)).toEqual(['unpack ok\n', null, 'ok refs/heads/main\n']);
  });
});
