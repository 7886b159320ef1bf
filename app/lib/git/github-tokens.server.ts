import { HttpError } from '../http/json-body.server';
import type { ServerEnv } from '../env.server';

/**
 * GitHub tokens users paste, kept in this server's memory for their session only: never written
 * anywhere, never sent back to the browser, gone after a few hours or when the server restarts
 * (a second instance does not have them: the user pastes again there). Keyed by the session's
 * owner hash, not its cookie value.
 */
const TTL_MS = 8 * 60 * 60 * 1000;
const MAX_SESSIONS = 10_000;
const tokens = new Map<string, { token: string; expires: number }>();

export const sessionGitHubTokens = {
  set(owner: string, token: string) {
    if (tokens.size >= MAX_SESSIONS) tokens.delete(tokens.keys().next().value!);
    tokens.set(owner, { token, expires: Date.now() + TTL_MS });
  },
  get(owner: string): string | undefined {
    const entry = tokens.get(owner);
    if (entry && entry.expires < Date.now()) tokens.delete(owner);
    return entry && entry.expires >= Date.now() ? entry.token : undefined;
  },
  delete(owner: string) {
    tokens.delete(owner);
  },
};

/** The token a session's GitHub work uses: its own pasted one, else the server's GITHUB_TOKEN. */
export function gitHubTokenFor(env: ServerEnv, owner: string): { token?: string; source: 'session' | 'server' | null } {
  const own = sessionGitHubTokens.get(owner);
  if (own) return { token: own, source: 'session' };
  return env.GITHUB_TOKEN ? { token: env.GITHUB_TOKEN, source: 'server' } : { source: null };
}

/** A pasted token: GitHub's formats (classic, fine-grained, app) or any plain token a GitHub Enterprise issues. */
export function checkPastedToken(token: string): string {
  const trimmed = token.trim();
  if (!/^[A-Za-z0-9_]{20,255}$/.test(trimmed)) throw new HttpError(400, 'That does not look like a GitHub token (ghp_…, github_pat_… or similar, letters, digits and underscores).');
  return trimmed;
}
