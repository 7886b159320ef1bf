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
import { ServerCheckout } from './server-checkout.server';
import { pushNewBranch } from './smart-http-push.server';

/**
 * The three ways a repository comes in and changes go out. Git's network work (fetch, push) and
 * the commit happen on the server (server-checkout.server.ts, smart-http-push.server.ts), with the
 * token in its own requests to the repository's host only: GitHub import (fetch, read the text
 * files) and a pull request from a chat (fetch at the imported commit, put the chat's files over
 * it, commit, push, open the PR) need no sandbox at all; a run writes the files into a sandbox of
 * the runs API's, lets the agent work there, and commits what it left. No sandbox sees a token.
 */
export interface FlowDeps {
  env: ServerEnv;
  service: SandboxService;
  /** The sandbox owner label (a run's: the runs API's own). */
  owner: string;
  clientIp?: string;
  /** Counts the sandbox creation against the rate limits (after the caps pass). */
  admit?: () => Promise<void>;
  /** A GitHub token for this flow (the session's, or the server's where it may be used), if any. */
  token?: string;
  signal: AbortSignal;
  emit: (event: RepoEvent) => void;
}

export function repoRefOf(env: ServerEnv, repoUrl: string): RepoRef {
  const parsed = parseRepoUrl(repoUrl, env.GITHUB_URL);
  if (!parsed.ok) throw new HttpError(400, parsed.reason);
  return parsed.ref;
}

function stopped(signal: AbortSignal) {
  if (signal.aborted) throw new HttpError(499, 'The request was closed before it finished.');
}

function fetchRepo(deps: FlowDeps, ref: RepoRef, options: { branch?: string; commit?: string }) {
  return ServerCheckout.fetch({ url: cloneUrl(ref, deps.env.GITHUB_URL), token: deps.token, maxBytes: deps.env.GITHUB_FETCH_MAX_MB * 1_000_000, signal: deps.signal, ...options });
}

/** GitHub import: the repository's text files (under the import caps) and what was left out. */
export async function importRepository(deps: FlowDeps, input: { repoUrl: string; branch?: string }) {
  const ref = repoRefOf(deps.env, input.repoUrl);
  const branch = input.branch || ref.branch;
  const name = `${ref.owner}/${ref.repo}`;
  deps.emit({ type: 'cloning', repo: name, ...(branch ? { branch } : {}) });
  const checkout = await fetchRepo(deps, ref, { branch });
  stopped(deps.signal);
  const project = await checkout.readProject();
  deps.emit({ type: 'cloned', commit: checkout.commit, branch: checkout.branch, files: Object.keys(project.files).length });
  deps.emit({ type: 'imported', repo: name, url: webUrl(ref, deps.env.GITHUB_URL), branch: checkout.branch, commit: checkout.commit, files: project.files, skipped: project.skipped });
}

const slug = (text: string) =>
  text
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 40)
    .replace(/-+$/, '') || 'changes';

/** Commit on a new branch, push it from the server, and open the pull request. */
async function shipChanges(deps: FlowDeps, checkout: ServerCheckout, ref: RepoRef, base: string, text: { model: string; requests: string[]; summary: string }) {
  if (!deps.token) throw new HttpError(401, 'A GitHub token is needed to push and open a pull request.');
  const branch = `appforge/${slug(text.requests.at(-1) ?? '')}-${randomHex(3)}`;
  // The message is the PR's title and body, which need the changes: stage first, then write.
  const staged = await checkout.stage();
  deps.emit({ type: 'committing', branch, changes: staged });
  deps.emit({ type: 'writing_pr' });
  const pr = await writePullRequestText({ env: deps.env, model: text.model, requests: text.requests, summary: text.summary, changes: staged, signal: deps.signal });
  if (pr.fallback) deps.emit({ type: 'agent_message', text: `The pull request's title and description are plain (${pr.fallback}).` });
  stopped(deps.signal);
  const { base: baseCommit, commit } = await checkout.commitStaged(`${pr.title}\n\n${pr.body}`);
  const pack = await checkout.pack(baseCommit, commit);
  await pushNewBranch({ repoUrl: cloneUrl(ref, deps.env.GITHUB_URL), token: deps.token, branch, commit, pack });
  deps.emit({ type: 'pushed', branch, commit });
  const opened = await createPullRequest({ apiUrl: deps.env.GITHUB_API_URL, token: deps.token }, ref, { title: pr.title, body: pr.body, head: branch, base });
  deps.emit({ type: 'pr_opened', url: opened.url, number: opened.number, title: pr.title, branch });
}

function refusedNote(refused: string[]): RepoEvent | null {
  if (!refused.length) return null;
  return { type: 'agent_message', text: `Left out of the commit (inside .git or through a symbolic link of the repository's): ${refused.slice(0, 20).join(', ')}${refused.length > 20 ? ', …' : ''}.` };
}

/** "Create pull request" from a chat: its project over the commit it was imported from. */
export async function openPullRequest(deps: FlowDeps, input: { repoUrl: string; baseBranch: string; baseCommit: string; files: Record<string, string>; deleted: string[]; requests: string[]; summary: string; model: string }) {
  const ref = repoRefOf(deps.env, input.repoUrl);
  const name = `${ref.owner}/${ref.repo}`;
  const facts = await getRepo({ apiUrl: deps.env.GITHUB_API_URL, token: deps.token }, ref);
  if (!facts.canPush) throw new HttpError(403, `The GitHub token cannot push to ${name}: it needs write access ("Contents" and "Pull requests": read and write).`);
  deps.emit({ type: 'cloning', repo: name, branch: input.baseBranch });
  const checkout = await fetchRepo(deps, ref, { branch: input.baseBranch, commit: input.baseCommit });
  deps.emit({ type: 'cloned', commit: checkout.commit, branch: input.baseBranch, files: Object.keys(input.files).length });
  stopped(deps.signal);
  const note = refusedNote(await checkout.apply(input.files, input.deleted));
  if (note) deps.emit(note);
  await shipChanges(deps, checkout, ref, input.baseBranch, input);
}

/** The runs API: fetch, let the agent work on the prompt in a sandbox, and open a pull request with what it did. */
export async function runRepoTask(deps: FlowDeps, input: { runId: string; repoUrl: string; prompt: string; baseBranch?: string; model: string }) {
  const ref = repoRefOf(deps.env, input.repoUrl);
  const name = `${ref.owner}/${ref.repo}`;
  deps.emit({ type: 'run_started', runId: input.runId, repo: name, ...(input.baseBranch ? { baseBranch: input.baseBranch } : {}) });
  const facts = await getRepo({ apiUrl: deps.env.GITHUB_API_URL, token: deps.token }, ref);
  if (!facts.canPush) throw new HttpError(403, `The GitHub token cannot push to ${name}: it needs write access ("Contents" and "Pull requests": read and write).`);
  const base = input.baseBranch || facts.defaultBranch;
  deps.emit({ type: 'cloning', repo: name, branch: base });
  const checkout = await fetchRepo(deps, ref, { branch: base });
  const project = await checkout.readProject();
  const workspace = await RepoWorkspace.create(deps.service, deps.owner, `run-${input.runId}`, deps.admit, deps.clientIp);
  try {
    await workspace.write(project.files);
    deps.emit({ type: 'cloned', commit: checkout.commit, branch: base, files: Object.keys(project.files).length });
    const listing = Object.keys(project.files).slice(0, 300).join('\n');
    const task = `Repository ${name}, branch ${base} (commit ${checkout.commit.slice(0, 12)}), checked out in the project folder. Its files${Object.keys(project.files).length > 300 ? ' (the first 300)' : ''}:\n${listing}\n\nTask:\n${input.prompt}`;
    const { summary } = await runAgentInSandbox({ env: deps.env, model: input.model, task, workspace, files: project.files, signal: deps.signal, emit: deps.emit });
    stopped(deps.signal);
    // What the agent left: changed and new text files; deleted ones among those it was given.
    const after = await workspace.read();
    const changed = Object.fromEntries(Object.entries(after.files).filter(([path, content]) => project.files[path] !== content));
    const deleted = after.complete ? Object.keys(project.files).filter((path) => !(path in after.files) && !after.unread.has(path)) : [];
    const note = refusedNote(await checkout.apply(changed, deleted));
    if (note) deps.emit(note);
    await shipChanges(deps, checkout, ref, base, { model: input.model, requests: [input.prompt], summary });
  } finally {
    await workspace.dispose();
  }
}
