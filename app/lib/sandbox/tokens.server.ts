import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

const ALPHABET = 'abcdefghijklmnopqrstuvwxyz234567';

/** RFC 4648 base32, lowercase, unpadded: safe as a DNS label (previews live on <token>.<host>). */
export function base32(bytes: Uint8Array): string {
  let out = '';
  let bits = 0;
  let value = 0;
  for (const byte of bytes) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += ALPHABET[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += ALPHABET[(value << (5 - bits)) & 31];
  return out;
}

/** 160 random bits. */
export function newShareToken(): string {
  return base32(randomBytes(20));
}

/**
 * The owner's (workbench's) preview tokens change every window: a token works in the window it
 * was issued in and the next, so 12 to 24 hours. One that leaked (as a preview's Origin, say)
 * stops working by itself; the owner's next page load gets a fresh one.
 */
export const OWNER_TOKEN_WINDOW_MS = 12 * 3_600_000;

export function ownerTokenWindow(now: number) {
  return Math.floor(now / OWNER_TOKEN_WINDOW_MS);
}

/**
 * The workbench's preview token for a sandbox in a window: derived, so it survives a restart
 * without being stored. `key` is the sandbox's current preview key: changing it revokes every
 * owner token issued before.
 */
export function previewToken(secret: string, sandboxId: string, key: string, window: number): string {
  return base32(createHmac('sha256', secret).update(`preview:${sandboxId}:${key}:${window}`).digest().subarray(0, 20));
}

/** A new preview key (kept in the sandbox's labels; not a secret on its own). */
export function newPreviewKey(): string {
  return randomBytes(8).toString('hex');
}

/** What a share link is stored as (in the sandbox's labels): a hash, never the token. */
export function shareLabelKey(token: string): string {
  return `share-${createHash('sha256').update(token).digest('hex').slice(0, 32)}`;
}

export const TOKEN_PATTERN = /^[a-z2-7]{32}$/;

export function sameToken(a: string, b: string) {
  return a.length === b.length && timingSafeEqual(Buffer.from(a), Buffer.from(b));
}
