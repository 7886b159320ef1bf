import { readRepoEvents, type RepoEvent } from './repo-events';

/**
 * The browser's side of GitHub import and "Create pull request": a POST whose answer is the flow's
 * events (server-sent events), read as they come. A refusal before the flow starts (bad input, no
 * token, a rate limit) is thrown as its sentence.
 */
export async function runRepoFlow(path: string, body: unknown, onEvent: (event: RepoEvent) => void, signal?: AbortSignal): Promise<void> {
  const response = await fetch(path, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body), signal });
  if (!response.ok || !response.body) {
    const answer = (await response.json().catch(() => null)) as { error?: string } | null;
    throw new Error(answer?.error ?? `The server answered ${response.status}.`);
  }
  for await (const event of readRepoEvents(response.body)) onEvent(event);
}

/** Whose token the server would use: the session's, the operator's (lent for this repository), one that expired, or none. */
export type TokenSource = 'session' | 'server' | 'expired' | null;

/** Which token the server would use for this session and repository (never the token itself). */
export async function gitHubTokenSource(repoUrl?: string): Promise<TokenSource> {
  const response = await fetch(`/api/github/token${repoUrl ? `?repo=${encodeURIComponent(repoUrl)}` : ''}`);
  return response.ok ? ((await response.json()) as { source: TokenSource }).source : null;
}

/** Gives the server a token for this session; the browser keeps nothing. */
export async function saveGitHubToken(token: string): Promise<TokenSource> {
  const response = await fetch('/api/github/token', { method: 'PUT', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ token }) });
  const answer = (await response.json()) as { source?: TokenSource; error?: string };
  if (!response.ok) throw new Error(answer.error ?? `The server answered ${response.status}.`);
  return answer.source ?? null;
}

/** One line of progress for an event, as the import form and the pull request card show them. */
export function describeRepoEvent(event: RepoEvent): string | null {
  switch (event.type) {
    case 'cloning':
      return `Cloning ${event.repo}${event.branch ? ` (${event.branch})` : ''} in a sandbox…`;
    case 'cloned':
      return `Cloned ${event.branch} at ${event.commit.slice(0, 7)}.`;
    case 'committing':
      return `Committing ${event.changes.length} change${event.changes.length === 1 ? '' : 's'} on ${event.branch}…`;
    case 'writing_pr':
      return 'The model is writing the title and description…';
    case 'agent_message':
      return event.text;
    case 'pushed':
      return `Pushed ${event.branch}.`;
    case 'pr_opened':
      return `Opened pull request #${event.number}: ${event.title}`;
    case 'error':
      return event.message;
    default:
      return null;
  }
}
