import { HttpError } from './json-body.server';

/**
 * Tokens people paste (GitHub, Netlify, Vercel), kept in this server's memory for their session
 * only: never written anywhere, never sent back to the browser, gone after a few hours or when the
 * server restarts (a second instance does not have them: the person pastes again there). Keyed by
 * the session's owner hash, not its cookie value.
 *
 * A session that pasted a token is remembered as having done so for as long as its cookie lives,
 * even once the token itself expired: it then gets "paste it again", never the operator's token.
 * When the table is full, new pastes are refused rather than anyone's token evicted.
 */
const TOKEN_TTL_MS = 8 * 60 * 60 * 1000;
const PASTED_TTL_MS = 30 * 24 * 60 * 60 * 1000;
const MAX_SESSIONS = 10_000;

export class SessionTokens {
  #sessions = new Map<string, { token?: string; tokenExpires: number; pastedUntil: number }>();

  /** `service` names the tokens in the sentence a full table answers with. */
  constructor(private readonly service: string) {}

  set(owner: string, token: string, now = Date.now()) {
    if (!this.#sessions.has(owner) && this.#sessions.size >= MAX_SESSIONS) this.#sweep(now);
    if (!this.#sessions.has(owner) && this.#sessions.size >= MAX_SESSIONS) throw new HttpError(503, `This server holds as many pasted ${this.service} tokens as it keeps; try again later.`, { 'Retry-After': '600' });
    this.#sessions.set(owner, { token, tokenExpires: now + TOKEN_TTL_MS, pastedUntil: now + PASTED_TTL_MS });
  }

  get(owner: string, now = Date.now()): { token?: string; pasted: boolean } {
    const entry = this.#sessions.get(owner);
    if (!entry || entry.pastedUntil < now) return { pasted: false };
    return { token: entry.tokenExpires >= now ? entry.token : undefined, pasted: true };
  }

  delete(owner: string) {
    this.#sessions.delete(owner);
  }

  #sweep(now: number) {
    for (const [owner, entry] of this.#sessions) {
      if (entry.tokenExpires < now) entry.token = undefined;
      if (entry.pastedUntil < now) this.#sessions.delete(owner);
    }
  }
}
