import type { ServerEnv } from '../env.server';
import { HttpError } from '../http/json-body.server';
import { SessionTokens } from '../http/session-tokens.server';
import type { HostName } from './publish-host.server';

/** Netlify and Vercel tokens people paste, per host, in this server's memory for their session. */
export const sessionPublishTokens: Record<HostName, SessionTokens> = { netlify: new SessionTokens('Netlify'), vercel: new SessionTokens('Vercel') };

export const HOST_LABEL: Record<HostName, string> = { netlify: 'Netlify', vercel: 'Vercel' };

export type PublishTokenSource = 'session' | 'server' | 'expired' | null;

/** The token a session publishes to `host` with: its own pasted one, else the operator's (NETLIFY_TOKEN / VERCEL_TOKEN), else none. */
export function publishTokenFor(env: ServerEnv, owner: string, host: HostName): { token?: string; source: PublishTokenSource } {
  const own = sessionPublishTokens[host].get(owner);
  if (own.token) return { token: own.token, source: 'session' };
  if (own.pasted) return { source: 'expired' };
  const server = host === 'netlify' ? env.NETLIFY_TOKEN : env.VERCEL_TOKEN;
  return server ? { token: server, source: 'server' } : { source: null };
}

export function missingPublishToken(host: HostName, source: PublishTokenSource): string {
  return source === 'expired'
    ? `The ${HOST_LABEL[host]} token you pasted has expired on this server: paste it again to publish.`
    : `Paste a ${HOST_LABEL[host]} token to publish there (this server has none of its own).`;
}

/** A pasted token: printable, no spaces, a plausible length (both hosts' tokens are opaque strings). */
export function checkPublishToken(host: HostName, token: string): string {
  const trimmed = token.trim();
  if (!/^[\x21-\x7e]{16,255}$/.test(trimmed)) throw new HttpError(400, `That does not look like a ${HOST_LABEL[host]} token (16 to 255 characters without spaces).`);
  return trimmed;
}
