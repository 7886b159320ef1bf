/**
 * Normalises a model-supplied file path to a project-relative POSIX path, or explains why it is
 * unsafe. The project root is the only place a model may write.
 */
export type PathCheck = { ok: true; path: string } | { ok: false; reason: string };

export function checkProjectPath(raw: string | undefined): PathCheck {
  if (raw === undefined || raw.trim() === '') return { ok: false, reason: 'the file action has no filePath' };
  const path = raw.trim().replace(/\\/g, '/');
  if (path.includes('\0')) return { ok: false, reason: `"${printable(raw)}" contains a NUL character` };
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
    parts.push(segment);
  }
  if (parts.length === 0) return { ok: false, reason: `"${printable(raw)}" does not name a file` };
  if (path.endsWith('/')) return { ok: false, reason: `"${printable(raw)}" names a folder, not a file` };
  return { ok: true, path: parts.join('/') };
}

function printable(s: string) {
  return s.replace(/[\0-\x1f]/g, '?').slice(0, 200);
}
