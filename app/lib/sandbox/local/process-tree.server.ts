import type { ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { readdir, readFile, readlink } from 'node:fs/promises';
import { parseListeningPorts } from '../listening-ports';

/** Linux /proc helpers: the processes below a root pid and the TCP ports they listen on. */

function parentOf(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name is in parentheses and may contain spaces: the fields after it are fixed.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(fields[1]);
  } catch {
    return null;
  }
}

export function descendants(root: number): number[] {
  const children = new Map<number, number[]>();
  for (const name of readdirSync('/proc')) {
    const pid = Number(name);
    if (!Number.isInteger(pid)) continue;
    const parent = parentOf(pid);
    if (parent === null) continue;
    const list = children.get(parent) ?? [];
    list.push(pid);
    children.set(parent, list);
  }
  const out: number[] = [];
  const queue = [root];
  while (queue.length) {
    const pid = queue.shift()!;
    out.push(pid);
    queue.push(...(children.get(pid) ?? []));
  }
  return out;
}

function socketInodes(pids: number[]): Set<string> {
  const inodes = new Set<string>();
  for (const pid of pids) {
    let fds: string[];
    try {
      fds = readdirSync(`/proc/${pid}/fd`);
    } catch {
      continue;
    }
    for (const fd of fds) {
      try {
        const target = readlinkSync(`/proc/${pid}/fd/${fd}`);
        const match = /^socket:\[(\d+)\]$/.exec(target);
        if (match) inodes.add(match[1]);
      } catch {
        // closed meanwhile
      }
    }
  }
  return inodes;
}

/** TCP ports in LISTEN state owned by any of the processes below `roots`. */
export function listeningPorts(roots: number[]): number[] {
  const inodes = socketInodes(roots.flatMap((root) => descendants(root)));
  const tables = ['/proc/net/tcp', '/proc/net/tcp6'].map((table) => {
    try {
      return readFileSync(table, 'utf8');
    } catch {
      return '';
    }
  });
  return parseListeningPorts(tables.join('\n'), inodes);
}

/**
 * The same for a known set of processes (a sandbox's cgroup), with asynchronous reads: a sandbox
 * with thousands of processes is scanned by the thread pool, not on the event loop.
 */
export async function listeningPortsOf(pids: number[]): Promise<number[]> {
  const inodes = new Set<string>();
  await Promise.all(
    pids.map(async (pid) => {
      const fds = await readdir(`/proc/${pid}/fd`).catch(() => [] as string[]);
      for (const fd of fds) {
        const target = await readlink(`/proc/${pid}/fd/${fd}`).catch(() => '');
        const match = /^socket:\[(\d+)\]$/.exec(target);
        if (match) inodes.add(match[1]);
      }
    }),
  );
  if (inodes.size === 0) return [];
  const tables = await Promise.all(['/proc/net/tcp', '/proc/net/tcp6'].map((table) => readFile(table, 'utf8').catch(() => '')));
  return parseListeningPorts(tables.join('\n'), inodes);
}

/** Kills a process group, then anything left below the root (a process may have left the group). */
export function killTree(root: number, signal: NodeJS.Signals = 'SIGKILL') {
  const pids = descendants(root);
  try {
    process.kill(-root, signal);
  } catch {
    // the group is gone
  }
  for (const pid of pids.reverse()) {
    try {
      process.kill(pid, signal);
    } catch {
      // already gone
    }
  }
}

const exitCodes = new WeakMap<ChildProcess, Promise<number>>();

/** The exit code, once the process has exited and its output has been read (or 200 ms later, if a background child keeps the pipes open). */
export function exitOf(child: ChildProcess): Promise<number> {
  let result = exitCodes.get(child);
  if (!result) {
    result = new Promise<number>((resolve) => {
      const finish = (code: number) => {
        const closed = new Promise<void>((r) => child.once('close', () => r()));
        void Promise.race([closed, new Promise((r) => setTimeout(r, 200))]).then(() => resolve(code));
      };
      if (child.exitCode !== null || child.signalCode !== null) return finish(child.exitCode ?? 137);
      child.once('exit', (code, signal) => finish(code ?? (signal === 'SIGTERM' ? 143 : 137)));
      child.once('error', () => resolve(127));
    });
    exitCodes.set(child, result);
  }
  return result;
}
