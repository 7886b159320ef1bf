import { strToU8, Zip, ZipDeflate } from 'fflate';
import { IMPORT_LIMITS, projectFromFiles, type ImportedProject, type IncomingFile } from './project-import';
import { readZipDirectory, ZipEntryCountError, ZipFormatError, type ZipEntry } from './zip-directory';
import { inflateEntry, type InflateBudget } from './zip-inflate';

export { EntryRefusedError, IMPORT_LIMITS, projectFromFiles, type ImportedProject, type IncomingFile } from './project-import';

/**
 * Projects in and out as files: a zip of the project (made in the browser, file by file), and a
 * project read from a zip, checked from its central directory before anything is inflated.
 */

/** The project as a zip (each file deflated as it is added, the archive handed out in chunks). */
export function zipProject(files: Record<string, string>): Promise<Blob> {
  return new Promise((resolve, reject) => {
    const chunks: Uint8Array[] = [];
    const zip = new Zip((error, chunk, final) => {
      if (error) return reject(error);
      chunks.push(chunk);
      if (final) resolve(new Blob(chunks as BlobPart[], { type: 'application/zip' }));
    });
    for (const [path, content] of Object.entries(files).sort(([a], [b]) => a.localeCompare(b))) {
      const entry = new ZipDeflate(path, { level: 6 });
      zip.add(entry);
      entry.push(strToU8(content), true);
    }
    zip.end();
  });
}

/** The whole archive is refused (nothing imported); the message is the sentence to show. */
export class ArchiveRefusedError extends Error {}

const count = (n: number) => n.toLocaleString('en-US');

/**
 * A project from a zip archive's bytes. Refused whole when its central directory names too many
 * entries or declares a zip bomb's total; otherwise each entry is inflated on its own, in slices,
 * within the import's time and byte budget, and listed when it is left out.
 */
export async function projectFromZip(data: Uint8Array): Promise<ImportedProject> {
  const entries = await directoryOf(data);
  const files = entries.filter((entry) => !entry.name.endsWith('/'));
  const declared = files.reduce((sum, entry) => sum + entry.size, 0);
  if (declared > IMPORT_LIMITS.totalBytes && declared > IMPORT_LIMITS.ratio * data.length) {
    throw new ArchiveRefusedError(
      `This zip would unpack to ${count(declared)} bytes, ${Math.round(declared / data.length)} times its own size: refused as a possible zip bomb (an import unpacks at most ${IMPORT_LIMITS.ratio} times an archive's size).`,
    );
  }
  const budget: InflateBudget = { bytesLeft: IMPORT_LIMITS.inflatedBytes, deadline: performance.now() + IMPORT_LIMITS.inflateMs };
  const incoming = entries.map(
    (entry): IncomingFile => ({
      path: entry.name,
      size: entry.size,
      symlink: entry.symlink,
      refused: refusalOf(entry),
      read: () => inflateEntry(data, entry, budget),
    }),
  );
  return projectFromFiles(incoming);
}

async function directoryOf(data: Uint8Array) {
  try {
    return await readZipDirectory(data, { maxEntries: IMPORT_LIMITS.archiveEntries });
  } catch (error) {
    if (error instanceof ZipEntryCountError) {
      throw new ArchiveRefusedError(`This zip holds ${count(error.entries)} entries: an import reads at most ${count(IMPORT_LIMITS.archiveEntries)}.`);
    }
    if (error instanceof ZipFormatError || error instanceof RangeError) {
      throw new ArchiveRefusedError(`This is not a zip archive that can be read (${error.message}).`);
    }
    throw error;
  }
}

/** Why an entry's header alone rules it out, if it does. */
function refusalOf(entry: ZipEntry): string | undefined {
  if (!entry.nameIsUtf8) return 'the name is not UTF-8 text: not imported';
  if (entry.madeOnWindows && entry.name.includes('\\')) {
    return 'the name holds a backslash (\\), which this archive uses as a folder separator, as old Windows zip tools did; make the zip again with a current tool';
  }
  if (entry.encrypted) return 'encrypted: not imported';
  if (entry.method !== 0 && entry.method !== 8) return `compressed with method ${entry.method}, which the import cannot read (only deflate)`;
  // Entries over the file cap are listed by that cap, which says more to a person than a ratio.
  if (entry.size <= IMPORT_LIMITS.fileBytes && entry.size > IMPORT_LIMITS.ratioFloorBytes && entry.size > IMPORT_LIMITS.ratio * entry.compressedSize) {
    return `would unpack to ${count(entry.size)} bytes from ${count(entry.compressedSize)}, more than ${IMPORT_LIMITS.ratio} times: refused as a possible zip bomb`;
  }
  return undefined;
}
