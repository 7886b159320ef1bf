// Zip archives as attackers make them: headers that declare any size, Unix modes (symlinks), any host OS.
import { crc32 } from 'node:zlib';
import { deflateSync, strToU8, Zip, type ZipInputFile } from 'fflate';

export interface ForgedEntry {
  name: string;
  content: Uint8Array | string;
  /** The uncompressed size the headers declare; the real one when absent. */
  declaredSize?: number;
  /** "Version made by" host: 0 MS-DOS (fflate's default), 3 Unix. */
  os?: number;
  /** External attributes; a Unix mode goes in the high 16 bits (with `os: 3`). */
  attrs?: number;
}

/** The Unix mode of a symbolic link, as zip tools store it in the external attributes. */
export const SYMLINK_ATTRS = (0o120777 << 16) >>> 0;

/** A zip of `entries`, each deflated once per distinct content (a 3,000-entry bomb builds in a fraction of a second). */
export function forgeZip(entries: ForgedEntry[]): Uint8Array {
  const deflated = new Map<Uint8Array | string, { data: Uint8Array<ArrayBuffer>; bytes: Uint8Array; crc: number }>();
  const chunks: Uint8Array[] = [];
  const zip = new Zip((error, chunk) => {
    if (error) throw error;
    chunks.push(chunk);
  });
  for (const entry of entries) {
    let packed = deflated.get(entry.content);
    if (!packed) {
      const bytes = typeof entry.content === 'string' ? strToU8(entry.content) : entry.content;
      packed = { bytes, data: deflateSync(bytes, { level: 9 }), crc: crc32(Buffer.from(bytes)) };
      deflated.set(entry.content, packed);
    }
    const file: ZipInputFile = { filename: entry.name, size: entry.declaredSize ?? packed.bytes.length, crc: packed.crc, compression: 8, os: entry.os, attrs: entry.attrs };
    zip.add(file);
    file.ondata!(null, packed.data, true);
  }
  zip.end();
  const out = new Uint8Array(chunks.reduce((sum, chunk) => sum + chunk.length, 0));
  let offset = 0;
  for (const chunk of chunks) out.set(chunk, (offset += chunk.length) - chunk.length);
  return out;
}
