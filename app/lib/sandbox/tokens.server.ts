// Web Crypto only: tokens work alike on the Node server and on Cloudflare Pages.

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
  return base32(crypto.getRandomValues(new Uint8Array(20)));
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
export async function previewToken(secret: string, sandboxId: string, key: string, window: number): Promise<string> {
  const mac = await crypto.subtle.sign('HMAC', await hmacKey(secret), encoder.encode(`preview:${sandboxId}:${key}:${window}`));
  return base32(new Uint8Array(mac).subarray(0, 20));
}

/** A new preview key (kept in the sandbox's labels; not a secret on its own). */
export function newPreviewKey(): string {
  return randomHex(8);
}

/** `bytes` random bytes as hex. */
export function randomHex(bytes: number): string {
  return hex(crypto.getRandomValues(new Uint8Array(bytes)));
}

/** What a share link is stored as (in the sandbox's labels): a hash, never the token. */
export async function shareLabelKey(token: string): Promise<string> {
  return `share-${(await sha256Hex(token)).slice(0, 32)}`;
}

/** SHA-256 of a text, as hex. */
export async function sha256Hex(text: string): Promise<string> {
  return hex(new Uint8Array(await crypto.subtle.digest('SHA-256', encoder.encode(text))));
}

const encoder = new TextEncoder();
const hmacKeys = new Map<string, Promise<CryptoKey>>();

/** The secret as an HMAC-SHA-256 key, imported once. */
function hmacKey(secret: string): Promise<CryptoKey> {
  let key = hmacKeys.get(secret);
  if (!key) {
    key = crypto.subtle.importKey('raw', encoder.encode(secret), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
    hmacKeys.set(secret, key);
  }
  return key;
}

function hex(bytes: Uint8Array): string {
  return Array.from(bytes, (byte) => byte.toString(16).padStart(2, '0')).join('');
}

export const TOKEN_PATTERN = /^[a-z2-7]{32}$/;

/** Equal, compared in time that does not depend on where they differ. */
export function sameToken(a: string, b: string) {
  if (a.length !== b.length) return false;
  let difference = 0;
  for (let i = 0; i < a.length; i++) difference |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return difference === 0;
}
