/**
 * Content addressing for versions: a file's key is the SHA-256 of its bytes, so twenty versions
 * of a file that changed twice keep three contents. Contents are kept gzip-compressed when that
 * is smaller (source text shrinks three- to fourfold). Web APIs only: the same code runs in the
 * browser and in Node's tests.
 */

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** base64url of the SHA-256 of `data` (43 characters). */
export async function sha256(data: string | Uint8Array): Promise<string> {
  const bytes = typeof data === 'string' ? encoder.encode(data) : data;
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', bytes as Uint8Array<ArrayBuffer>));
  let binary = '';
  for (const byte of digest) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

/** A file's content as kept: gzip when that saves space, the text itself otherwise. */
export type PackedText = { gz: Uint8Array } | { text: string };

/** Below this, gzip's header costs more than it saves. */
const WORTH_COMPRESSING = 200;

export async function packText(text: string): Promise<PackedText> {
  if (text.length < WORTH_COMPRESSING) return { text };
  const raw = encoder.encode(text);
  const gz = await pipe(raw, new CompressionStream('gzip'));
  return gz.length < raw.length ? { gz } : { text };
}

export async function unpackText(packed: PackedText): Promise<string> {
  return 'text' in packed ? packed.text : decoder.decode(await pipe(packed.gz, new DecompressionStream('gzip')));
}

/** Bytes a packed text takes in storage. */
export function packedBytes(packed: PackedText): number {
  return 'text' in packed ? encoder.encode(packed.text).length : packed.gz.length;
}

async function pipe(bytes: Uint8Array, transform: CompressionStream | DecompressionStream): Promise<Uint8Array> {
  const stream = new Blob([bytes as Uint8Array<ArrayBuffer>]).stream().pipeThrough(transform);
  return new Uint8Array(await new Response(stream).arrayBuffer());
}
