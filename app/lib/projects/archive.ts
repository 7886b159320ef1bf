import { strFromU8, strToU8, unzip, Zip, ZipDeflate, type UnzipFileInfo } from 'fflate';
import { checkProjectPath } from '../artifact/file-path';

/**
 * Projects in and out as files: a zip of the project (made in the browser, file by file), and a
 * project read from a zip or a folder, with the caps and the path rules of model output.
 */
export const IMPORT_LIMITS = { files: 2000, fileBytes: 1_000_000, totalBytes: 20_000_000 } as const;

/** Folders that are rebuilt, not written: never imported. */
const SKIPPED_FOLDERS = /(^|\/)(node_modules|\.git|dist|build|\.next|\.cache|__pycache__|\.venv)\//;

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

export interface ImportedProject {
  files: Record<string, string>;
  /** What was left out, each with why ("node_modules/…: rebuilt by install"). */
  skipped: string[];
}

/** One file of an import: its path in the archive or folder, and its bytes. */
export interface IncomingFile {
  path: string;
  size: number;
  read: () => Promise<Uint8Array>;
}

/**
 * A project from files (a zip's entries, a folder's, a repository's): text files only, under the
 * caps, on paths that stay inside the project; a single top folder that holds everything is taken
 * off (an archive's wrapper folder), unless `keepTopFolder` (a repository's paths are as they are).
 */
export async function projectFromFiles(incoming: IncomingFile[], { keepTopFolder = false } = {}): Promise<ImportedProject> {
  const skipped: string[] = [];
  const paths = incoming.map((file) => file.path.replace(/\\/g, '/').replace(/^\.?\//, ''));
  const top = keepTopFolder ? '' : commonTopFolder(paths);
  const files: Record<string, string> = {};
  let total = 0;
  for (const [index, file] of incoming.entries()) {
    const raw = top ? paths[index].slice(top.length) : paths[index];
    if (raw.endsWith('/')) continue;
    if (SKIPPED_FOLDERS.test(`${raw}`) || SKIPPED_FOLDERS.test(`/${raw}`)) {
      skipped.push(`${raw}: rebuilt by the project's install or build`);
      continue;
    }
    const check = checkProjectPath(raw);
    if (!check.ok) {
      skipped.push(`${raw}: ${check.reason}`);
      continue;
    }
    if (Object.keys(files).length >= IMPORT_LIMITS.files) {
      skipped.push(`${check.path}: more than ${IMPORT_LIMITS.files} files`);
      continue;
    }
    if (file.size > IMPORT_LIMITS.fileBytes) {
      skipped.push(`${check.path}: larger than ${IMPORT_LIMITS.fileBytes.toLocaleString('en-US')} bytes`);
      continue;
    }
    if (total + file.size > IMPORT_LIMITS.totalBytes) {
      skipped.push(`${check.path}: the project would pass ${IMPORT_LIMITS.totalBytes.toLocaleString('en-US')} bytes`);
      continue;
    }
    const bytes = await file.read();
    if (bytes.includes(0)) {
      skipped.push(`${check.path}: not a text file`);
      continue;
    }
    total += bytes.length;
    files[check.path] = strFromU8(bytes);
  }
  return { files, skipped };
}

/** A project from a zip archive's bytes. */
export function projectFromZip(data: Uint8Array): Promise<ImportedProject> {
  const infos: UnzipFileInfo[] = [];
  return new Promise((resolve, reject) => {
    // Only entries the caps could admit are inflated; the rest are listed from their headers.
    unzip(data, { filter: (info) => (infos.push(info), info.originalSize <= IMPORT_LIMITS.fileBytes && !info.name.endsWith('/')) }, (error, entries) => {
      if (error) return reject(new Error(`This is not a zip archive that can be read (${error.message}).`));
      const incoming = infos
        .filter((info) => !info.name.endsWith('/'))
        .map((info) => ({ path: info.name, size: info.originalSize, read: async () => entries[info.name] ?? new Uint8Array() }));
      resolve(projectFromFiles(incoming));
    });
  });
}

function commonTopFolder(paths: string[]): string {
  const files = paths.filter((path) => !path.endsWith('/'));
  if (files.length === 0) return '';
  const first = files[0].split('/')[0];
  return files.every((path) => path.startsWith(`${first}/`)) ? `${first}/` : '';
}
