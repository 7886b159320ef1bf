/**
 * Takes secrets out of text that leaves the server (flow events, error sentences): as they are,
 * URL-encoded, and base64-encoded at each of the three byte alignments, alone and as git's Basic
 * credential, since a secret inside a longer base64 text (`env | base64`) shows only that way.
 * Web APIs only.
 */
const HIDDEN = '[hidden]';

function base64(bytes: Uint8Array): string {
  let text = '';
  for (const byte of bytes) text += String.fromCharCode(byte);
  return btoa(text);
}

/** The base64 characters that depend only on `secret`'s bytes when `shift` bytes come before it. */
function base64Core(secret: string, shift: number): string {
  const bytes = new TextEncoder().encode(secret);
  const padded = new Uint8Array(shift + bytes.length);
  padded.set(bytes, shift);
  return base64(padded).slice(Math.ceil((4 * shift) / 3), Math.floor((8 * (shift + bytes.length)) / 6));
}

export function secretForms(secret: string): string[] {
  const forms = new Set([secret, encodeURIComponent(secret)]);
  for (const text of [secret, `x-access-token:${secret}`]) for (let shift = 0; shift < 3; shift++) forms.add(base64Core(text, shift));
  // Very short cores would hide ordinary words; secrets here are long.
  return [...forms].filter((form) => form.length >= 8).sort((a, b) => b.length - a.length);
}

export function redactSecrets(text: string, secrets: Array<string | undefined>): string {
  let out = text;
  for (const secret of secrets) {
    if (!secret || secret.length < 8) continue;
    for (const form of secretForms(secret)) out = out.split(form).join(HIDDEN);
  }
  return out;
}
