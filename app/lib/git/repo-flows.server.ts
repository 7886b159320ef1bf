import { runAgentInSandbox } from '../agent/sandbox-agent.server';
import type { ServerEnv } from '../env.server';
import { HttpError } from '../http/json-body.server';
import type { SandboxService } from '../sandbox/sandbox-service.server';
import { randomHex } from '../sandbox/tokens.server';
import { createPullRequest, getRepo } from './github-api.server';
import { writePullRequestText } from './pull-request-text.server';
import type { RepoEvent } from './repo-events';
import { cloneUrl, parseRepoUrl, webUrl, type RepoRef } from './repo-url';
import { RepoWorkspace } from './repo-workspace.server';
import { pushNewBranch } from './smart-http-push.server';

/**
 * The three ways a repository comes in and changes go out, each in a sandbox of its own that is
 * deleted at the end whatever happens: GitHub import (clone, read the text files), a pull request
 * from a chat (clone at the imported commit, put the chat's files over it, commit, push, open the
 * PR), and a run (clone, the agent works, commit, push, open the PR). Git runs in the sandbox; the
 * push goes from the server with the token (smart-http-push.server.ts), which no sandbox sees.
 */
export interface FlowDeps {
  env: ServerEnv;
  service: SandboxService;
  /** The sandbox owner label (a session's, or the runs API's). */
  owner: string;
  clientIp?: string;
  /** Counts the sandbox creation against the rate limits (after the caps pass). */
  admit?: () => Promise<void>;
  /** A GitHub token for this flow (the server's, or the session's), if any. */
  token?: string;
  signal: AbortSignal;
  emit: (event: RepoEvent) => void;
}

export function repoRefOf(env: ServerEnv, repoUrl: string): RepoRef {
  const parsed = parseRepoUrl(repoUrl, env.GITHUB_URL);
  if (!parsed.ok) throw new HttpError(400, parsed.reason);
  return parsed.ref;
}

async function inWorkspace<T>(deps: FlowDeps, project: string, work: (workspace: RepoWorkspace) => Promise<T>): Promise<T> {
  const workspace = await RepoWorkspace.create(deps.service, deps.owner, project, deps.admit, deps.clientIp);
  try {
    return await work(workspace);
  } finally {
    await workspace.dispose();
  }
}

function stopped(signal: AbortSignal) {
  if (signal.aborted) throw new HttpError(499, 'The request was closed before it finished.');
}

/** GitHub import: the repository's text files (under the import caps) and what was left out. */
export async function importRepository(deps: FlowDeps, input: { repoUrl: string; branch?: string }) {
  const ref = repoRefOf(deps.env, input.repoUrl);
  const branch = input.branch || ref.branch;
  const name = `${ref.owner}/${ref.repo}`;
  await inWorkspace(deps, 'github-import', async (workspace) => {
    deps.emit({ type: 'cloning', repo: name, ...(branch ? { branch } : {}) });
    await workspace.clone({ url: cloneUrl(ref, deps.env.GITHUB_URL), branch, token: deps.token });
    stopped(deps.signal);
    const head = await workspace.head();
    const project = await workspace.readProject();
    deps.emit({ type: 'cloned', commit: head.commit, branch: head.branch, files: Object.keys(project.files).length });
    deps.emit({ type: 'imported', repo: name, url: webUrl(ref, deps.env.GITHUB_URL), branch: head.branch, commit: head.commit, files: project.files, skipped: project.skipped });
  });
}

const slug = (text: string) =>
  text
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 40)
    .replace(/-+$/, '') || 'changes';

/** Commit on a new branch, push it from the server, and open the pull request. */
async function shipChanges(deps: FlowDeps, workspace: RepoWorkspace, ref: RepoRef, base: string, text: { model: string; requests: string[]; summary: string }) {
  if (!deps.token) throw new HttpError(401, 'A GitHub token is needed to push and open a pull request.');
  const branch = `appforge/${slug(text.requests.at(-1) ?? '')}-${randomHex(3)}`;
  // The message is the PR's title and body, which need the changes: stage first, then write.
  const staged = await workspace.stage();
  deps.emit({ type: 'committing', branch, changes: staged });
  deps.emit({ type: 'writing_pr' });
  const pr = await writePullRequestText({ env: deps.env, model: text.model, requests: text.requests, summary: text.summary, changes: staged, signal: deps.signal });
  if (pr.fallback) deps.emit({ type: 'agent_message', text: `The pull request's title and description are plain (${pr.fallback}).` });
  stopped(deps.signal);
  const { base: baseCommit, commit } = await workspace.commit(branch, `${pr.title}\n\n${pr.body}`);
  const pack = await workspace.pack(baseCommit, commit);
  await pushNewBranch({ repoUrl: cloneUrl(ref, deps.env.GITHUB_URL), token: deps.token, branch, commit, pack });
  deps.emit({ type: 'pushed', branch, commit });
  const opened = await createPullRequest({ apiUrl: deps.env.GITHUB_API_URL, token: deps.token }, ref, { title: pr.title, body: pr.body, head: branch, base });
  deps.emit({ type: 'pr_opened', url: opened.url, number: opened.number, title: pr.title, branch });
}

/** "Create pull request" from a chat: its project over the commit it was imported from. */
export async function openPullRequest(deps: FlowDeps, input: { repoUrl: string; baseBranch: string; baseCommit: string; files: Record<string, string>; deleted: string[]; requests: string[]; summary: string; model: string }) {
  const ref = repoRefOf(deps.env, input.repoUrl);
  const name = `${ref.owner}/${ref.repo}`;
  const facts = await getRepo({ apiUrl: deps.env.GITHUB_API_URL, token: deps.token }, ref);
  if (!facts.canPush) throw new HttpError(403, `The GitHub token cannot push to ${name}: it needs write access ("Contents" and "Pull requests": read and write).`);
  await inWorkspace(deps, 'github-pull-request', async (workspace) => {
    deps.emit({ type: 'cloning', repo: name, branch: input.baseBranch });
    await workspace.clone({ url: cloneUrl(ref, deps.env.GITHUB_URL), branch: input.baseBranch, commit: input.baseCommit, token: deps.token });
    const head = await workspace.head();
    deps.emit({ type: 'cloned', commit: head.commit, branch: input.baseBranch, files: Object.keys(input.files).length });
    stopped(deps.signal);
    await workspace.apply(input.files, input.deleted);
    await shipChanges(deps, workspace, ref, input.baseBranch, input);
  });
}

/** The runs API: clone, let the agent work on the prompt, and open a pull request with what it did. */
export async function runRepoTask(deps: FlowDeps, input: { runId: string; repoUrl: string; prompt: string; baseBranch?: string; model: string }) {
  const ref = repoRefOf(deps.env, input.repoUrl);
  const name = `${ref.owner}/${ref.repo}`;
  deps.emit({ type: 'run_started', runId: input.runId, repo: name, ...(input.baseBranch ? { baseBranch: input.baseBranch } : {}) });
  const facts = await getRepo({ apiUrl: deps.env.GITHUB_API_URL, token: deps.token }, ref);
  if (!facts.canPush) throw new HttpError(403, `The GitHub token cannot push to ${name}: it needs write access ("Contents" and "Pull requests": read and write).`);
  const base = input.baseBranch || facts.defaultBranch;
  await inWorkspace(deps, `run-${input.runId}`, async (workspace) => {
    deps.emit({ type: 'cloning', repo: name, branch: base });
    await workspace.clone({ url: cloneUrl(ref, deps.env.GITHUB_URL), branch: base, token: deps.token });
    const head = await workspace.head();
    const project = await workspace.readProject();
    deps.emit({ type: 'cloned', commit: head.commit, branch: base, files: Object.keys(project.files).length });
    const listing = Object.keys(project.files).slice(0, 300).join('\n');
    const task = `Repository ${name}, branch ${base} (commit ${head.commit.slice(0, 12)}), checked out in the project folder. Its files${Object.keys(project.files).length > 300 ? ' (the first 300)' : ''}:\n${listing}\n\nTask:\n${input.prompt}`;
    const { summary } = await runAgentInSandbox({ env: deps.env, model: input.model, task, workspace, files: project.files, signal: deps.signal, emit: deps.emit });
    stopped(deps.signal);
    await shipChanges(deps, workspace, ref, base, { model: input.model, requests: [input.prompt], summary });
  });
}
