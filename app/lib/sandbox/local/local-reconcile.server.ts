import { execFile } from 'node:child_process';
import { readdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * What the Local provider reconciles between what it holds on disk and what runs: the disk all
 * sandboxes use together (`SANDBOX_MAX_DISK_MB`, the oldest stopped ones removed first) and the
 * npm caches of sessions that have no sandbox left. Sandboxes found from an earlier run are
 * stopped (their processes died with that server).
 */

/** `du -skx` in a child process: sizing thousands of node_modules files stays off the event loop. */
function diskUsageKb(dir: string): Promise<number> {
  return new Promise((resolve) => {
    execFile('du', ['-skx', dir], { timeout: 60_000 }, (error, stdout) => resolve(error ? 0 : Number.parseInt(stdout, 10) || 0));
  });
}

export async function boundDisk({ limitMb, sandboxes, running, remove, log }: {
  limitMb: number;
  /** Every sandbox directory, with its creation time (null: no readable record). */
  sandboxes: Array<{ id: string; dir: string; createdAt: number | null }>;
  running: (id: string) => boolean;
  remove: (id: string) => Promise<void>;
  log: (line: string) => void;
}) {
  const limitKb = limitMb * 1024;
  if (!limitKb) return;
  // One `du` at a time: sizing is slow on node_modules and must not crowd the machine. Volumes
  // count as their images (du -x does not enter the mount).
  const sized: Array<{ id: string; createdAt: number | null; kb: number }> = [];
  for (const sandbox of sandboxes) sized.push({ ...sandbox, kb: await diskUsageKb(sandbox.dir) });
  let totalKb = sized.reduce((sum, s) => sum + s.kb, 0);
  const stopped = sized.filter((s) => s.createdAt !== null && !running(s.id)).sort((a, b) => a.createdAt! - b.createdAt!);
  for (const sandbox of stopped) {
    if (totalKb <= limitKb) break;
    if (running(sandbox.id)) continue; // used again meanwhile
    await remove(sandbox.id);
    totalKb -= sandbox.kb;
    log(`sandboxes: removed stopped sandbox ${sandbox.id} (${Math.round(sandbox.kb / 1024)} MB, created ${new Date(sandbox.createdAt!).toISOString()}) to keep sandboxes under SANDBOX_MAX_DISK_MB=${limitMb}`);
  }
}

/** A session's npm cache goes when the session has no sandbox left here (and it was not just made for one being created). */
export async function dropOrphanCaches({ cacheRoot, owners, graceMs, removeVolume }: { cacheRoot: string; owners: Set<string>; graceMs: number; removeVolume: (dir: string) => Promise<void> }) {
  for (const name of await readdir(cacheRoot).catch(() => [] as string[])) {
    if (!/^[0-9a-f]{32}$/.test(name) || owners.has(name)) continue;
    const dir = join(cacheRoot, name);
    if (Date.now() - (await stat(dir)).mtimeMs < graceMs) continue;
    await removeVolume(dir);
    await rm(dir, { recursive: true, force: true });
  }
}
