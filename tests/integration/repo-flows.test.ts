// Repository flows through their routes, for real: Local sandboxes (root, bubblewrap, an own
// network each, as in CI) clone from a loopback GitHub (git http-backend + a fake REST API, on an
// address sandboxes are allowed to reach), the agent's steps come from the scripted fake model,
// the server pushes, the pull request is opened. The runs API's events are read as a client would.
import { describe, expect, it } from 'vitest';
import type { RepoEvent } from '~/lib/git/repo-events';
import { repoFlowHarness } from '../support/repo-flows';

const SUM_REPO = {
  'package.json': JSON.stringify({ name: 'sum', version: '1.0.0', scripts: { test: 'node test.js' } }, null, 2),
  'sum.js': 'module.exports = (a, b) => a - b;\n',
  'test.js': "const sum = require('./sum');\nif (sum(2, 3) !== 5) { console.error('sum(2, 3) should be 5, got ' + sum(2, 3)); process.exit(1); }\nconsole.log('ok');\n",
  'README.md': '# Sum\n',
};

/** The agent's scripted steps: run the tests (fail), fix sum.js, run them again (pass), summarise; then the PR text. */
function scriptFixRun() {
  model.script(
    { match: 'Write the pull request title', reply: 'Fix sum so that it adds\n\nsum() subtracted its arguments; it adds them now and the test passes.\n\n- sum.js: `a + b`' },
    { toolResult: '"exitCode":0', reply: 'Fixed sum.js: it adds now, and `node test.js` passes.' },
    { toolResult: '"line":', toolCalls: [{ name: 'run_command', arguments: { command: 'node test.js' } }] },
    { toolResult: '"exitCode":1', toolCalls: [{ name: 'edit_file', arguments: { path: 'sum.js', oldText: 'a - b', newText: 'a + b' } }] },
    { match: 'Task:', times: 1, toolCalls: [{ name: 'run_command', arguments: { command: 'node test.js' } }] },
  );
}

const { github, model, contextWith, routes, runRequest, events, sandboxesLeft } = repoFlowHarness(22800);

describe('POST /api/runs', () => {
  it('clones, lets the agent fix the code, pushes a branch and opens the pull request, streaming each step; the sandbox is gone after', async () => {
    const base = github.createRepo('acme/sum', SUM_REPO);
    scriptFixRun();
    const response = await routes().runs({ request: runRequest({ repoUrl: `${github.url}/acme/sum`, prompt: 'Fix the sum function so the test passes' }), context: contextWith() });
    expect(response.status).toBe(200);
    const stream = await events(response);
    expect(stream.map((e) => e.type)).toEqual([
      'run_started', 'cloning', 'cloned',
      'tool_call', 'tool_result', 'command_output',
      'tool_call', 'tool_result', 'file_edit',
      'tool_call', 'tool_result', 'command_output',
      'agent_message',
      'committing', 'writing_pr', 'pushed', 'pr_opened', 'done',
    ]);
    const byType = <T extends RepoEvent['type']>(type: T) => stream.filter((e): e is Extract<RepoEvent, { type: T }> => e.type === type);
    expect(byType('cloned')[0]).toMatchObject({ commit: base, branch: 'main', files: 4 });
    expect(byType('command_output').map((e) => e.exitCode)).toEqual([1, 0]);
    expect(byType('command_output')[0].output).toContain('sum(2, 3) should be 5, got -1');
    expect(byType('file_edit')[0].path).toBe('sum.js');
    expect(byType('committing')[0].changes).toEqual(['M sum.js']);
    const opened = byType('pr_opened')[0];
    expect(stream.at(-1)).toEqual({ type: 'done', ok: true });

    // On the git server: a new branch, one commit on top of main's, with the fix and the PR text as message.
    expect(opened.branch).toMatch(/^appforge\/fix-the-sum-function-so-the-test-passes-[0-9a-f]{6}$/);
    expect(github.branches('acme/sum').sort()).toEqual([opened.branch, 'main'].sort());
    expect(github.fileAt('acme/sum', opened.branch, 'sum.js')).toBe('module.exports = (a, b) => a + b;\n');
    expect(github.changesAt('acme/sum', opened.branch)).toEqual(['M sum.js']);
    expect(github.commitInfo('acme/sum', opened.branch)).toMatchObject({ parent: base, author: 'AppForge <appforge@users.noreply.github.com>' });
    expect(github.commitInfo('acme/sum', opened.branch).message).toMatch(/^Fix sum so that it adds\n\nsum\(\) subtracted/);
    // The pull request, as the fake GitHub API received it.
    expect(github.pulls).toHaveLength(1);
    expect(github.pulls[0]).toMatchObject({ owner: 'acme', repo: 'sum', title: 'Fix sum so that it adds', head: opened.branch, base: 'main', url: opened.url });
    expect(github.pulls[0].body).toContain('sum() subtracted its arguments');
    expect(opened.url).toBe(`${github.url}/acme/sum/pull/1`);
    // The agent got the tools without get_problems (no preview in a run), and the token never reached the model.
    expect(model.requests[0].tools.sort()).toEqual(['edit_file', 'list_files', 'read_file', 'run_command', 'search_files', 'write_file']);
    expect(JSON.stringify(model.requests)).not.toContain(github.token);
    expect(await sandboxesLeft()).toBe(0);
  }, 120_000);

  it('refuses a missing or wrong bearer token, a URL off the GitHub host, and says when it is off', async () => {
    const context = contextWith();
    const unauthorized = await routes().runs({ request: runRequest({ repoUrl: `${github.url}/acme/sum`, prompt: 'x' }, ''), context });
    expect(unauthorized.status).toBe(401);
    expect(unauthorized.headers.get('www-authenticate')).toBe('Bearer');
    expect((await routes().runs({ request: runRequest({ repoUrl: `${github.url}/acme/sum`, prompt: 'x' }, 'wrong-token-0123456789abcdef'), context })).status).toBe(401);
    const offHost = await routes().runs({ request: runRequest({ repoUrl: 'https://gitlab.com/acme/sum', prompt: 'x' }), context });
    expect(offHost.status).toBe(400);
    expect(await offHost.json()).toEqual({ error: `Only repositories on ${new URL(github.url).host} can be imported (gitlab.com is not).` });
    const off = await routes().runs({ request: runRequest({ repoUrl: `${github.url}/acme/sum`, prompt: 'x' }), context: contextWith({ RUNS_API_TOKEN: '' }) });
    expect(off.status).toBe(404);
    expect(await sandboxesLeft()).toBe(0);
  });

  it('says when GitHub refuses the token, before any sandbox is made', async () => {
    github.createRepo('acme/auth', SUM_REPO);
    const stream = await events(await routes().runs({ request: runRequest({ repoUrl: `${github.url}/acme/auth`, prompt: 'Fix it' }), context: contextWith({ GITHUB_TOKEN: 'ghp_not_the_right_token_0000' }) }));
    expect(stream.map((e) => e.type)).toEqual(['run_started', 'error', 'done']);
    expect(stream[1]).toMatchObject({ type: 'error', message: 'GitHub refused the token while reading the repository (Bad credentials): check that it is valid and not expired.', status: 401 });
    expect(stream[2]).toEqual({ type: 'done', ok: false });
    expect(await sandboxesLeft()).toBe(0);
  });

  it('passes on a rejected push, opens no pull request, and deletes the sandbox', async () => {
    github.createRepo('acme/locked', SUM_REPO, { rejectPushes: 'GH006: Protected branch update failed' });
    scriptFixRun();
    const pulls = github.pulls.length;
    const stream = await events(await routes().runs({ request: runRequest({ repoUrl: `github.com/acme/locked`.replace('github.com', new URL(github.url).host), prompt: 'Fix the sum' }), context: contextWith() }));
    const types = stream.map((e) => e.type);
    expect(types.slice(-4)).toEqual(['committing', 'writing_pr', 'error', 'done']);
    expect(stream.at(-2)).toMatchObject({ message: 'The push was rejected: pre-receive hook declined (a branch protection rule or a server hook refused it).', status: 409 });
    expect(github.branches('acme/locked')).toEqual(['main']);
    expect(github.pulls).toHaveLength(pulls);
    expect(await sandboxesLeft()).toBe(0);
  }, 120_000);

  it('says when the repository does not exist, and when the model fails mid-run; no sandbox is left', async () => {
    const missing = await events(await routes().runs({ request: runRequest({ repoUrl: `${github.url}/acme/nothing-here`, prompt: 'Fix it' }), context: contextWith() }));
    expect(missing.map((e) => e.type)).toEqual(['run_started', 'error', 'done']);
    expect(missing[1]).toMatchObject({ status: 404 });
    github.createRepo('acme/flaky', SUM_REPO);
    model.script({ match: 'Task:', fault: { type: 'status', status: 500, body: { error: { message: 'upstream exploded' } } } });
    const failed = await events(await routes().runs({ request: runRequest({ repoUrl: `${github.url}/acme/flaky`, prompt: 'Fix it' }), context: contextWith() }));
    expect(failed.map((e) => e.type)).toEqual(['run_started', 'cloning', 'cloned', 'error', 'done']);
    expect((failed[3] as { message: string }).message).toMatch(/model server/i);
    expect(github.branches('acme/flaky')).toEqual(['main']);
    expect(await sandboxesLeft()).toBe(0);
  }, 120_000);
});

describe('GitHub import and "Create pull request"', () => {
  const same = { 'content-type': 'application/json', host: 'localhost', origin: 'http://localhost', 'sec-fetch-site': 'same-origin' };
  const post = (path: string, body: unknown, cookie = '') => new Request(`http://localhost${path}`, { method: 'POST', headers: { ...same, ...(cookie ? { cookie } : {}) }, body: JSON.stringify(body) });

  it('imports the text files of a repository, leaving out what is not text, and opens a PR with the chat\'s changes (written, changed, deleted)', async () => {
    const base = github.createRepo('acme/site', { 'index.html': '<h1>Hi</h1>\n', 'style.css': 'h1 { color: red; }\n', 'logo.png': '\u0000PNG binary', 'docs/notes.md': 'notes\n' });
    // The operator lends the server's token for acme's repositories.
    const context = contextWith({ GITHUB_TOKEN_LEND: 'acme/*' });
    const imported = await events(await routes().importRepo({ request: post('/api/github/import', { repoUrl: `${github.url}/acme/site` }), context }));
    expect(imported.map((e) => e.type)).toEqual(['cloning', 'cloned', 'imported', 'done']);
    const project = imported[2] as Extract<RepoEvent, { type: 'imported' }>;
    expect(project).toMatchObject({ repo: 'acme/site', branch: 'main', commit: base, url: `${github.url}/acme/site` });
    expect(project.files).toEqual({ 'index.html': '<h1>Hi</h1>\n', 'style.css': 'h1 { color: red; }\n', 'docs/notes.md': 'notes\n' });
    expect(project.skipped).toEqual(['logo.png: not a text file']);
    expect(await sandboxesLeft()).toBe(0);

    // The branch moved on meanwhile: the PR is still based on the imported commit.
    github.commitOn('acme/site', 'main', { 'upstream.txt': 'someone else\n' });
    model.script({ match: 'Write the pull request title', reply: 'Greet in blue\n\nThe heading says hello and is blue.' });
    const files = { ...project.files, 'index.html': '<h1>Hello</h1>\n', 'style.css': 'h1 { color: blue; }\n', 'about.html': '<p>About</p>\n' };
    delete (files as Record<string, string>)['docs/notes.md'];
    const stream = await events(
      await routes().pullRequest({ request: post('/api/github/pull-request', { repoUrl: `${github.url}/acme/site`, baseBranch: 'main', baseCommit: base, files, deleted: ['docs/notes.md'], requests: ['Say hello in blue'], summary: 'Changed the heading.', model: 'fake/coder' }), context }),
    );
    expect(stream.map((e) => e.type)).toEqual(['cloning', 'cloned', 'committing', 'writing_pr', 'pushed', 'pr_opened', 'done']);
    const opened = stream[5] as Extract<RepoEvent, { type: 'pr_opened' }>;
    expect(github.changesAt('acme/site', opened.branch).sort()).toEqual(['A about.html', 'D docs/notes.md', 'M index.html', 'M style.css']);
    expect(github.commitInfo('acme/site', opened.branch).parent).toBe(base);
    // What the chat never had (the binary logo) is untouched in the repository.
    expect(github.fileAt('acme/site', opened.branch, 'logo.png')).toBe('\u0000PNG binary');
    expect(github.pulls.at(-1)).toMatchObject({ title: 'Greet in blue', head: opened.branch, base: 'main' });
    // The PR text request carried the user's request and the changed files.
    const prompt = JSON.stringify(model.requests.at(-1)!.messages);
    expect(prompt).toContain('Say hello in blue');
    expect(prompt).toContain('A\\tabout.html'.replace('\\t', ' '));
    expect(await sandboxesLeft()).toBe(0);
  }, 120_000);

  it('says what is wrong: a private repository without a token, a bad URL, no changes, no token for a PR', async () => {
    const base = github.createRepo('acme/secret', { 'a.txt': 'a\n' }, { private: true });
    const withoutToken = contextWith({ GITHUB_TOKEN: '' });
    const denied = await events(await routes().importRepo({ request: post('/api/github/import', { repoUrl: `${github.url}/acme/secret` }), context: withoutToken }));
    expect(denied.map((e) => e.type)).toEqual(['cloning', 'error', 'done']);
    expect(denied[1]).toMatchObject({ message: 'The repository is private or does not exist: add a GitHub token that can read it.', status: 401 });
    const bad = await routes().importRepo({ request: post('/api/github/import', { repoUrl: 'not a url at all' }), context: withoutToken });
    expect(bad.status).toBe(400);
    // With the server's token, where the operator lends it, the private repository comes in.
    const lent = contextWith({ GITHUB_TOKEN_LEND: 'acme/secret' });
    const imported = await events(await routes().importRepo({ request: post('/api/github/import', { repoUrl: `${github.url}/acme/secret` }), context: lent }));
    expect((imported[2] as Extract<RepoEvent, { type: 'imported' }>).files).toEqual({ 'a.txt': 'a\n' });
    const noChanges = await events(await routes().pullRequest({ request: post('/api/github/pull-request', { repoUrl: `${github.url}/acme/secret`, baseBranch: 'main', baseCommit: base, files: { 'a.txt': 'a\n' }, deleted: [], requests: ['nothing'], summary: '', model: 'fake/coder' }), context: lent }));
    expect(noChanges.at(-2)).toMatchObject({ type: 'error', message: 'There is nothing to commit: the project is the same as the repository.' });
    const noToken = await routes().pullRequest({ request: post('/api/github/pull-request', { repoUrl: `${github.url}/acme/secret`, baseBranch: 'main', baseCommit: base, files: { 'a.txt': 'b\n' }, deleted: [], requests: ['x'], summary: '', model: 'fake/coder' }), context: withoutToken });
    expect(noToken.status).toBe(401);
    expect(await sandboxesLeft()).toBe(0);
  }, 120_000);

  it('keeps a pasted token for the session only and never sends it back', async () => {
    const context = contextWith({ GITHUB_TOKEN: '' });
    const first = await routes().tokenStatus({ request: new Request('http://localhost/api/github/token', { headers: same }), context });
    const cookie = first.headers.get('set-cookie')!.split(';')[0];
    expect(await first.json()).toEqual({ source: null });
    const put = await routes().token({ request: new Request('http://localhost/api/github/token', { method: 'PUT', headers: { ...same, cookie }, body: JSON.stringify({ token: github.token }) }), context });
    const text = await put.text();
    expect(JSON.parse(text)).toEqual({ source: 'session' });
    expect(text).not.toContain(github.token);
    // Another session does not have it.
    expect(await (await routes().tokenStatus({ request: new Request('http://localhost/api/github/token', { headers: same }), context })).json()).toEqual({ source: null });
    const bad = await routes().token({ request: new Request('http://localhost/api/github/token', { method: 'PUT', headers: { ...same, cookie }, body: JSON.stringify({ token: 'not a token!' }) }), context });
    expect(bad.status).toBe(400);
    await routes().token({ request: new Request('http://localhost/api/github/token', { method: 'DELETE', headers: { ...same, cookie } }), context });
    expect(await (await routes().tokenStatus({ request: new Request('http://localhost/api/github/token', { headers: { ...same, cookie } }), context })).json()).toEqual({ source: null });
  });
});
