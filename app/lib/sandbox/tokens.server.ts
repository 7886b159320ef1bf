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

/** The workbench's preview token for a sandbox: derived, so it survives a restart without being stored. */
export function previewToken(secret: string, sandboxId: string): string {
  return base32(createHmac('sha256', secret).update(`preview:${sandboxId}`).digest().subarray(0, 20));
}

/** What a share link is stored as (in the sandbox's labels): a hash, never the token. */
export function shareLabelKey(token: string): string {
  return `share-${createHash('sha256').update(token).digest('hex').slice(0, 32)}`;
}

export const TOKEN_PATTERN = /^[a-z2-7]{32}$/;

export function sameToken(a: string, b: string) {
  return a.length === b.length && timingSafeEqual(Buffer.from(a), Buffer.from(b));
}
