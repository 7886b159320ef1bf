import { Inflate } from 'fflate';
import { pacer } from './pacer';
import { EntryRefusedError } from './project-import';
import type { ZipEntry } from './zip-directory';

/** What one import may still spend inflating, shared by its entries. */
export interface InflateBudget {
  bytesLeft: number;
  deadline: number;
}

/**
 * Compressed bytes handed to the inflater at once: about 1/64 of what the entry may still hold,
 * so a push of a lying entry yields a few hundred KB, not megabytes (DEFLATE can reach 1032:1).
 */
const inputChunk = (remaining: number) => Math.min(16_384, Math.max(256, Math.ceil(remaining / 64)));

/**
 * One entry's bytes, inflated in chunks with turns for the event loop, stopped as soon as its
 * real output passes its declared size (headers can lie) or the import's budget runs out.
 */
export async function inflateEntry(data: Uint8Array, entry: ZipEntry, budget: InflateBudget): Promise<Uint8Array> {
  const compressed = data.subarray(entry.dataOffset, entry.dataOffset + entry.compressedSize);
  if (entry.method === 0) {
    if (entry.compressedSize !== entry.size) throw new EntryRefusedError('its header declares two different sizes: not read');
    return compressed;
  }
  const declared = entry.size.toLocaleString('en-US');
  const chunks: Uint8Array[] = [];
  let produced = 0;
  const inflater = new Inflate((chunk) => {
    produced += chunk.length;
    budget.bytesLeft -= chunk.length;
    // Past the declared size the rest is not kept: the entry is refused after this push.
    if (produced <= entry.size) chunks.push(chunk);
  });
  const pace = pacer();
  for (let at = 0, chunk = 0; at < compressed.length || at === 0; at += chunk) {
    if (performance.now() > budget.deadline) throw new EntryRefusedError('not read: the import ran out of time');
    if (budget.bytesLeft <= 0) throw new EntryRefusedError("not read: this archive's entries unpacked to far more than they declare");
    chunk = inputChunk(entry.size - produced);
    try {
      inflater.push(compressed.subarray(at, at + chunk), at + chunk >= compressed.length);
    } catch (error) {
      throw new EntryRefusedError(`its data cannot be inflated (${error instanceof Error ? error.message : String(error)})`);
    }
    if (produced > entry.size) throw new EntryRefusedError(`holds more than the ${declared} bytes its header declares`);
    await pace();
  }
  if (produced !== entry.size) throw new EntryRefusedError(`holds ${produced.toLocaleString('en-US')} bytes, not the ${declared} its header declares`);
  return concat(chunks, produced);
}

function concat(chunks: Uint8Array[], length: number) {
  if (chunks.length === 1) return chunks[0];
  const out = new Uint8Array(length);
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.length;
  }
  return out;
}
