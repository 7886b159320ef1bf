import { HttpError } from '../http/json-body.server';
import { SessionTokens } from '../http/session-tokens.server';
import type { ServerEnv } from '../env.server';
import type { RepoRef } from './repo-url';

/** GitHub tokens people paste, in this server's memory for their session (see SessionTokens). */
export const sessionGitHubTokens = new SessionTokens('GitHub');

/** Whether GITHUB_TOKEN_LEND names this repository (owner/repo or owner/*). */
export function lendsServerToken(env: ServerEnv, ref: RepoRef): boolean {
  const owner = ref.owner.toLowerCase();
  const name = `${owner}/${ref.repo.toLowerCase()}`;
  return Boolean(env.GITHUB_TOKEN && env.GITHUB_TOKEN_LEND?.some((rule) => rule === name || rule === `${owner}/*`));
}

export type TokenSource = 'session' | 'server' | 'expired' | null;

/**
 * The token a browser session's GitHub work uses: its own pasted one; if it never pasted one, the
 * server's GITHUB_TOKEN for the repositories the operator lends it for; otherwise none. `source`
 * says which ('expired': the session's token is gone and must be pasted again).
 */
export function gitHubTokenFor(env: ServerEnv, owner: string, ref?: RepoRef): { token?: string; source: TokenSource } {
  const own = sessionGitHubTokens.get(owner);
  if (own.token) return { token: own.token, source: 'session' };
  if (own.pasted) return { source: 'expired' };
  if (ref && lendsServerToken(env, ref)) return { token: env.GITHUB_TOKEN, source: 'server' };
  return { source: null };
}

/** The sentence for a flow that needs a token the session does not have. */
export function missingTokenMessage(source: TokenSource, what: string): string {
  return source === 'expired'
    ? `The GitHub token you pasted has expired on this server: paste it again to ${what}.`
    : `Paste a GitHub token for this session to ${what} (the server's own token is not lent for this repository).`;
}

/** A pasted token: GitHub's formats (classic, fine-grained, app) or any plain token a GitHub Enterprise issues. */
export function checkPastedToken(token: string): string {
  const trimmed = token.trim();
  if (!/^[A-Za-z0-9_]{20,255}$/.test(trimmed)) throw new HttpError(400, 'That does not look like a GitHub token (ghp_…, github_pat_… or similar, letters, digits and underscores).');
  return trimmed;
}
