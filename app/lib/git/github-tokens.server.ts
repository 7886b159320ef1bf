import { HttpError } from '../http/json-body.server';
import type { ServerEnv } from '../env.server';
import type { RepoRef } from './repo-url';

/**
 * GitHub tokens users paste, kept in this server's memory for their session only: never written
 * anywhere, never sent back to the browser, gone after a few hours or when the server restarts
 * (a second instance does not have them: the user pastes again there). Keyed by the session's
 * owner hash, not its cookie value.
 *
 * A session that pasted a token is remembered as having done so for as long as its cookie lives,
 * even once the token itself expired: it then gets "paste it again", never the operator's token.
 * When the table is full, new pastes are refused rather than anyone's token evicted.
 */
const TOKEN_TTL_MS = 8 * 60 * 60 * 1000;
const PASTED_TTL_MS = 30 * 24 * 60 * 60 * 1000;
const MAX_SESSIONS = 10_000;
const sessions = new Map<string, { token?: string; tokenExpires: number; pastedUntil: number }>();

function sweep(now: number) {
  for (const [owner, entry] of sessions) {
    if (entry.tokenExpires < now) entry.token = undefined;
    if (entry.pastedUntil < now) sessions.delete(owner);
  }
}

export const sessionGitHubTokens = {
  set(owner: string, token: string, now = Date.now()) {
    if (!sessions.has(owner) && sessions.size >= MAX_SESSIONS) sweep(now);
    if (!sessions.has(owner) && sessions.size >= MAX_SESSIONS) throw new HttpError(503, 'This server holds as many pasted GitHub tokens as it keeps; try again later.', { 'Retry-After': '600' });
    sessions.set(owner, { token, tokenExpires: now + TOKEN_TTL_MS, pastedUntil: now + PASTED_TTL_MS });
  },
  get(owner: string, now = Date.now()): { token?: string; pasted: boolean } {
    const entry = sessions.get(owner);
    if (!entry || entry.pastedUntil < now) return { pasted: false };
    return { token: entry.tokenExpires >= now ? entry.token : undefined, pasted: true };
  },
  delete(owner: string) {
    sessions.delete(owner);
  },
};

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
