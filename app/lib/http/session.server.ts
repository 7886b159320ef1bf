import { createCookie, type Cookie } from '@remix-run/node';
import { createHash, randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { addressKey } from './rate-limits.server';

/**
 * Anonymous sessions: a random id in a signed, httpOnly, SameSite=Lax, host-only cookie. The id
 * never leaves the server otherwise; what the providers see is a hash of it (the owner label).
 */
export interface Session {
  id: string;
  /** A hash of the id: what sandboxes are labelled with. */
  owner: string;
  /** Set when the session is new: the response must carry it. */
  setCookie?: string;
}

export class Sessions {
  #cookie: Cookie;

  /** `secure` (production): the cookie is Secure and `__Host-` prefixed, so no subdomain (a preview) can set or shadow it. */
  constructor(secret: string, secure: boolean) {
    this.#cookie = createCookie(secure ? '__Host-appforge_session' : 'appforge_session', {
      httpOnly: true,
      sameSite: 'lax',
      secure,
      path: '/',
      maxAge: 60 * 60 * 24 * 30,
      secrets: [secret],
    });
  }

  async get(request: Request): Promise<Session> {
    const value = (await this.#cookie.parse(request.headers.get('cookie'))) as unknown;
    if (typeof value === 'string' && /^[A-Za-z0-9_-]{32}$/.test(value)) return { id: value, owner: ownerOf(value) };
    const id = randomBytes(24).toString('base64url');
    return { id, owner: ownerOf(id), setCookie: await this.#cookie.serialize(id) };
  }

  /** The cookie's name, so the preview proxy can strip it from what it forwards. */
  get cookieName() {
    return this.#cookie.name;
  }
}

/**
 * The key per-session rate limits count under. A request without a session cookie gets a new
 * session each time, so it is counted under its IP address: dropping the cookie gains nothing.
 */
export function rateKey(session: Session, clientIp: string) {
  return session.setCookie ? `cookieless:${addressKey(clientIp)}` : session.owner;
}

function ownerOf(id: string) {
  return createHash('sha256').update(`owner:${id}`).digest('hex').slice(0, 32);
}

/** SESSION_SECRET, or (outside production) one generated once and kept in the data dir. */
export function resolveSessionSecret(configured: string | undefined, dataDir: string): string {
  if (configured) return configured;
  const file = join(dataDir, 'session-secret');
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  mkdirSync(dataDir, { recursive: true });
  const secret = randomBytes(32).toString('hex');
  writeFileSync(file, secret, { mode: 0o600 });
  chmodSync(file, 0o600);
  return secret;
}
