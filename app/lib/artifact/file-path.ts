/**
 * The one rule for a project file's path, wherever it comes from (model output, the agent's tools,
 * the sandbox API, zip/folder/repository imports): a project-relative POSIX path that the
 * sandboxes can hold, or why not. The project root is the only place anything is written.
 */
export type PathCheck = { ok: true; path: string } | { ok: false; reason: string };

export const PROJECT_PATH_LIMITS = {
  /** Characters in the whole path, as the sandbox API has always taken. */
  chars: 1000,
  /** Bytes in one file or folder name: Linux's NAME_MAX, for the Local and Daytona sandboxes alike. */
  nameBytes: 255,
} as const;

/** Names every plain object already has: a file under one of them would be lost or misread in the app's records of files. */
const RESERVED_NAMES = new Set(Object.getOwnPropertyNames(Object.prototype));

const utf8 = new TextEncoder();

export function checkProjectPath(raw: string | undefined): PathCheck {
  if (raw === undefined || raw.trim() === '') return { ok: false, reason: 'the file action has no filePath' };
  if (raw.length > PROJECT_PATH_LIMITS.chars) {
    return { ok: false, reason: `the path is ${count(raw.length)} characters long; the sandbox takes at most ${count(PROJECT_PATH_LIMITS.chars)}` };
  }
  const path = raw.trim();
  if (path.includes('\0')) return { ok: false, reason: `"${printable(raw)}" contains a NUL character` };
  // Never turned into "/": "a\b.txt" is one file on Linux and a folder on Windows, so neither reading is safe to pick.
  if (path.includes('\\')) return { ok: false, reason: 'the name holds a backslash (\\), which the sandbox does not take in file names' };
  if (path.startsWith('/') || /^[A-Za-z]:/.test(path) || path.startsWith('~')) {
    return { ok: false, reason: `"${printable(raw)}" is an absolute path; files must be inside the project` };
  }
  const parts: string[] = [];
  for (const segment of path.split('/')) {
    if (segment === '' || segment === '.') continue;
    if (segment === '..') {
      if (parts.length === 0) return { ok: false, reason: `"${printable(raw)}" leaves the project root` };
      parts.pop();
      continue;
    }
    const bytes = utf8.encode(segment).length;
    if (bytes > PROJECT_PATH_LIMITS.nameBytes) {
      return { ok: false, reason: `a name in the path is ${count(bytes)} bytes long; the sandbox takes at most ${PROJECT_PATH_LIMITS.nameBytes}` };
    }
    parts.push(segment);
  }
  if (parts.length === 0) return { ok: false, reason: `"${printable(raw)}" does not name a file` };
  if (path.endsWith('/')) return { ok: false, reason: `"${printable(raw)}" names a folder, not a file` };
  const normalised = parts.join('/');
  if (RESERVED_NAMES.has(normalised)) return { ok: false, reason: `the name "${normalised}" is reserved in the app; rename the file` };
  return { ok: true, path: normalised };
}

function printable(s: string) {
  return s.replace(/[\0-\x1f]/g, '?').slice(0, 200);
}

function count(n: number) {
  return n.toLocaleString('en-US');
}
