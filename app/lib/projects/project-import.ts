import { checkProjectPath } from '../artifact/file-path';
import { pacer } from './pacer';

/**
 * A project read from files (a zip's entries, a folder's, a repository's): the caps of an import,
 * the sandbox API's own path rule, text in UTF-8 kept byte for byte, and a line for every entry
 * left out.
 */
export const IMPORT_LIMITS = {
  files: 2000,
  fileBytes: 1_000_000,
  totalBytes: 20_000_000,
  /** Entries in a zip's central directory; more and the archive is refused before anything is read. */
  archiveEntries: 20_000,
  /** Declared size over compressed size, for an entry and for the whole archive. */
  ratio: 100,
  /** Entries smaller than this may compress better than the ratio (a file of spaces): inflating them is cheap. */
  ratioFloorBytes: 100_000,
  /** Bytes inflated in one import, counting what lying entries produced before they were stopped. */
  inflatedBytes: 40_000_000,
  /** Time one import may spend inflating. */
  inflateMs: 20_000,
} as const;

export interface ImportedProject {
  /** Path → text; built without a prototype, so no entry's name can reach one. */
  files: Record<string, string>;
  /** What was left out, each with why ("node_modules/…: rebuilt by install"). */
  skipped: string[];
}

/** One file of an import: its path in the archive, folder or repository, and its bytes. */
export interface IncomingFile {
  path: string;
  size: number;
  read: () => Promise<Uint8Array>;
  /** A symbolic link (a zip entry's Unix mode, a git tree's 120000): listed as left out, never read. */
  symlink?: boolean;
  /** Why its source already refuses it (a zip header: encrypted, a bomb's ratio): listed, never read. */
  refused?: string;
}

/** Thrown by `IncomingFile.read` when this one entry cannot be taken; the import lists it and goes on. */
export class EntryRefusedError extends Error {}

/** Folders that are rebuilt, not written: never imported. */
const SKIPPED_FOLDERS = /(^|\/)(node_modules|\.git|dist|build|\.next|\.cache|__pycache__|\.venv)\//;

const strictUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/**
 * A project from files: text files only, under the caps, on paths the sandbox API accepts; a
 * single top folder that holds everything is taken off (an archive's wrapper folder), unless
 * `keepTopFolder` (a repository's paths are as they are).
 */
export async function projectFromFiles(incoming: IncomingFile[], { keepTopFolder = false } = {}): Promise<ImportedProject> {
  const skipped: string[] = [];
  const leaveOut = (path: string, why: string) => skipped.push(`${shown(path)}: ${why}`);
  const paths = incoming.map((file) => file.path.replace(/^\.?\//, ''));
  const top = keepTopFolder ? '' : commonTopFolder(paths);
  const files: Record<string, string> = Object.create(null);
  const pace = pacer();
  let count = 0;
  let total = 0;
  for (const [index, file] of incoming.entries()) {
    await pace();
    const raw = top ? paths[index].slice(top.length) : paths[index];
    if (raw.endsWith('/')) continue;
    if (SKIPPED_FOLDERS.test(raw) || SKIPPED_FOLDERS.test(`/${raw}`)) {
      leaveOut(raw, "rebuilt by the project's install or build");
      continue;
    }
    if (file.symlink) {
      leaveOut(raw, 'a symbolic link: not imported');
      continue;
    }
    if (file.refused) {
      leaveOut(raw, file.refused);
      continue;
    }
    const check = checkProjectPath(raw);
    if (!check.ok) {
      leaveOut(raw, check.reason);
      continue;
    }
    const path = check.path;
    if (path in files) {
      leaveOut(path, 'a second entry with this path: the first was kept');
      continue;
    }
    if (count >= IMPORT_LIMITS.files) {
      leaveOut(path, `more than ${IMPORT_LIMITS.files} files`);
      continue;
    }
    if (file.size > IMPORT_LIMITS.fileBytes) {
      leaveOut(path, `larger than ${IMPORT_LIMITS.fileBytes.toLocaleString('en-US')} bytes`);
      continue;
    }
    if (total + file.size > IMPORT_LIMITS.totalBytes) {
      leaveOut(path, `the project would pass ${IMPORT_LIMITS.totalBytes.toLocaleString('en-US')} bytes`);
      continue;
    }
    let bytes: Uint8Array;
    try {
      bytes = await file.read();
    } catch (error) {
      if (!(error instanceof EntryRefusedError)) throw error;
      leaveOut(path, error.message);
      continue;
    }
    // The source's size may be wrong (a folder changed since it was listed): the caps hold on what was read.
    if (bytes.length > IMPORT_LIMITS.fileBytes) {
      leaveOut(path, `larger than ${IMPORT_LIMITS.fileBytes.toLocaleString('en-US')} bytes`);
      continue;
    }
    if (total + bytes.length > IMPORT_LIMITS.totalBytes) {
      leaveOut(path, `the project would pass ${IMPORT_LIMITS.totalBytes.toLocaleString('en-US')} bytes`);
      continue;
    }
    const text = textOf(bytes);
    if (typeof text !== 'string') {
      leaveOut(path, text.notText);
      continue;
    }
    count += 1;
    total += bytes.length;
    files[path] = text;
  }
  return { files, skipped };
}

/** The bytes as text, exactly (a byte order mark kept), or why they are not text. */
function textOf(bytes: Uint8Array): string | { notText: string } {
  if (bytes.includes(0)) return { notText: 'not a text file' };
  try {
    return strictUtf8.decode(bytes);
  } catch {
    return { notText: 'not a text file (its bytes are not UTF-8)' };
  }
}

/** A path as a line of the note shows it: the start of a very long one. */
function shown(path: string) {
  return path.length > 100 ? `${path.slice(0, 60)}…` : path;
}

function commonTopFolder(paths: string[]): string {
  const files = paths.filter((path) => !path.endsWith('/'));
  if (files.length === 0) return '';
  const first = files[0].split('/')[0];
  return files.every((path) => path.startsWith(`${first}/`)) ? `${first}/` : '';
}
