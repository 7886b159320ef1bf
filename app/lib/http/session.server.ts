// Web APIs only (the cookie is signed with Web Crypto): sessions work alike on the Node server and on Cloudflare Pages.
import { createCookie, type Cookie } from '@remix-run/cloudflare';
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
    if (typeof value === 'string' && /^[A-Za-z0-9_-]{32}$/.test(value)) return { id: value, owner: await ownerOf(value) };
    const id = base64url(crypto.getRandomValues(new Uint8Array(24)));
    return { id, owner: await ownerOf(id), setCookie: await this.#cookie.serialize(id) };
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

/** What sandboxes are labelled with: the first 32 hex digits of SHA-256("owner:" + id). */
async function ownerOf(id: string): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(`owner:${id}`)));
  return Array.from(digest.subarray(0, 16), (byte) => byte.toString(16).padStart(2, '0')).join('');
}

function base64url(bytes: Uint8Array): string {
  return btoa(String.fromCharCode(...bytes)).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}
