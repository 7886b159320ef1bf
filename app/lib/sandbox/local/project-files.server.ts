import { lstat, mkdir, open, readdir, readFile, rm } from 'node:fs/promises';
import { constants } from 'node:fs';
import { join } from 'node:path';
import { checkProjectPath } from '../../artifact/file-path';
import { SandboxError, type FileToWrite, type TreeEntry } from '../sandbox-provider.server';
import { STATE_TEMP_PREFIX } from '../sandbox-state.server';

/**
 * File access inside a sandbox directory from the server's side. Commands in the sandbox can
 * create symlinks, so every component of a path is checked with lstat and a symlink anywhere
 * on the way is refused: the server never writes or reads outside the sandbox through one.
 */
async function safePath(root: string, relative: string, createDirs: boolean): Promise<string> {
  const check = checkProjectPath(relative);
  if (!check.ok) throw new SandboxError(`Refused path: ${check.reason}`, 400);
  const parts = check.path.split('/');
  let current = root;
  for (let i = 0; i < parts.length; i++) {
    current = join(current, parts[i]);
    const last = i === parts.length - 1;
    const stat = await lstat(current).catch(() => null);
    if (stat?.isSymbolicLink()) throw new SandboxError(`Refused path: ${check.path} goes through a symbolic link`, 400);
    if (!stat && !last && createDirs) await mkdir(current);
    if (stat && !last && !stat.isDirectory()) throw new SandboxError(`Refused path: ${parts.slice(0, i + 1).join('/')} is a file, not a folder`, 400);
  }
  return current;
}

export async function writeProjectFiles(root: string, files: FileToWrite[]) {
  for (const file of files) {
    const target = await safePath(root, file.path, true);
    // O_NOFOLLOW: a symlink swapped in after the check is still not followed.
    const handle = await open(target, constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC | constants.O_NOFOLLOW, 0o644);
    try {
      await handle.writeFile(file.content);
    } finally {
      await handle.close();
    }
  }
}

/** A file's bytes, never through a symbolic link; over `maxBytes`: SandboxError 413 (at most maxBytes + 1 bytes are read). */
export async function readProjectFile(root: string, path: string, maxBytes = Number.MAX_SAFE_INTEGER): Promise<Buffer> {
  const target = await safePath(root, path, false);
  const handle = await open(target, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK).catch((error: NodeJS.ErrnoException) => {
    throw new SandboxError(error.code === 'ENOENT' ? `${path} does not exist in the sandbox.` : `Could not read ${path}: ${error.code ?? error.message}`, error.code === 'ENOENT' ? 404 : 500);
  });
  try {
    if (!(await handle.stat()).isFile()) throw new SandboxError(`${path} is not a regular file.`, 400);
    const chunks: Buffer[] = [];
    let size = 0;
    for (;;) {
      const { bytesRead, buffer } = await handle.read(Buffer.alloc(1 << 20), 0, 1 << 20, null);
      if (bytesRead === 0) break;
      size += bytesRead;
      if (size > maxBytes) throw new SandboxError(`${path} is larger than ${maxBytes} bytes.`, 413);
      chunks.push(buffer.subarray(0, bytesRead));
    }
    return Buffer.concat(chunks);
  } finally {
    await handle.close();
  }
}

export async function removeProjectPaths(root: string, paths: string[]) {
  for (const path of paths) await rm(await safePath(root, path, false), { recursive: true, force: true });
}

/** Installed dependencies and tool caches: never part of the project as the user sees it. */
const SKIP = new Set(['node_modules', '.git', '.cache', '.npm']);

export async function readProjectTree(root: string, { maxFileBytes = 256 * 1024, maxFiles = 2000 } = {}): Promise<TreeEntry[]> {
  const out: TreeEntry[] = [];
  const walk = async (dir: string, prefix: string) => {
    const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
    entries.sort((a, b) => a.name.localeCompare(b.name));
    for (const entry of entries) {
      if (out.length >= maxFiles) return;
      if (SKIP.has(entry.name) || entry.isSymbolicLink() || entry.name.startsWith(STATE_TEMP_PREFIX)) continue;
      const path = prefix ? `${prefix}/${entry.name}` : entry.name;
      const full = join(dir, entry.name);
      if (entry.isDirectory()) await walk(full, path);
      else if (entry.isFile()) {
        const { size } = await lstat(full);
        const record: TreeEntry = { path, size };
        if (size <= maxFileBytes) {
          const bytes = await readFile(full);
          if (!bytes.includes(0)) record.content = bytes.toString('utf8');
        }
        out.push(record);
      }
    }
  };
  await walk(root, '');
  return out;
}
