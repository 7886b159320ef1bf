import type { ChildProcessWithoutNullStreams, SpawnOptions } from 'node:child_process';
import { SandboxError, type FileToWrite, type TreeEntry } from '../sandbox-provider.server';
import { STATE_TEMP_PREFIX } from '../sandbox-state.server';

/**
 * File access to a sandbox's project done *inside* the sandbox, by node under the same bwrap as
 * its commands. A program in the sandbox can swap any path for a symlink at any moment; on the
 * host that would reach the host's files, but inside the sandbox a symlink can only lead to what
 * the sandbox itself may see. Paths are checked by the caller before they get here.
 */

const WRITE = `
const fs = require('fs'), path = require('path');
const files = JSON.parse(fs.readFileSync(0, 'utf8'));
for (const f of files) {
  fs.mkdirSync(path.dirname(f.path), { recursive: true });
  fs.writeFileSync(f.path, Buffer.from(f.data, 'base64'));
}`;

const REMOVE = `
const fs = require('fs');
for (const p of JSON.parse(fs.readFileSync(0, 'utf8'))) fs.rmSync(p, { recursive: true, force: true });`;

// O_NOFOLLOW: the last component is never followed (a symlink swapped in fails with ELOOP);
// O_NONBLOCK: a FIFO swapped in does not hold the open. Read to at most maxBytes + 1.
const READ_FILE = `
const fs = require('fs');
const { path, maxBytes } = JSON.parse(fs.readFileSync(0, 'utf8'));
const fd = fs.openSync(path, fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW | fs.constants.O_NONBLOCK);
if (!fs.fstatSync(fd).isFile()) { process.stderr.write(path + ' is not a regular file'); process.exit(2); }
const chunks = []; let size = 0;
for (;;) {
  const chunk = Buffer.alloc(1 << 20);
  const n = fs.readSync(fd, chunk, 0, chunk.length, null);
  if (n === 0) break;
  size += n;
  if (size > maxBytes) { process.stderr.write(path + ' is larger than ' + maxBytes + ' bytes'); process.exit(3); }
  chunks.push(chunk.subarray(0, n));
}
process.stdout.write(Buffer.concat(chunks).toString('base64'));`;

const READ = `
const fs = require('fs'), path = require('path');
const { maxFileBytes, maxFiles, maxTotal } = JSON.parse(fs.readFileSync(0, 'utf8'));
const skip = new Set(['node_modules', '.git', '.cache', '.npm']);
const out = []; let total = 0;
(function walk(dir, prefix) {
  let entries = [];
  try { entries = fs.readdirSync(dir, { withFileTypes: true }); } catch { return; }
  entries.sort((a, b) => a.name.localeCompare(b.name));
  for (const e of entries) {
    if (out.length >= maxFiles) return;
    if (skip.has(e.name) || e.isSymbolicLink() || e.name.startsWith('${STATE_TEMP_PREFIX}')) continue;
    const rel = prefix ? prefix + '/' + e.name : e.name;
    const full = path.join(dir, e.name);
    if (e.isDirectory()) walk(full, rel);
    else if (e.isFile()) {
      const size = fs.lstatSync(full).size;
      const entry = { path: rel, size };
      if (size <= maxFileBytes && total + size <= maxTotal) {
        const bytes = fs.readFileSync(full);
        if (!bytes.includes(0)) { entry.content = bytes.toString('utf8'); total += size; }
      }
      out.push(entry);
    }
  }
})('.', '');
process.stdout.write(JSON.stringify(out));`;

export type SandboxRunner = (args: string[], input: string) => Promise<{ code: number; stdout: string; stderr: string }>;

/** A file operation never takes longer: a FIFO or a huge tree cannot hold a helper forever. */
const HELPER_TIMEOUT_MS = 30_000;

/** Starts a command in the sandbox (its bwrap, its user) with the given spawn options. */
export type SandboxSpawner = (command: string[], options: SpawnOptions) => ChildProcessWithoutNullStreams;

/** Runs `node -e script` in the sandbox, feeding `input` on stdin. */
export function nodeInSandbox(spawnIn: SandboxSpawner, timeoutMs = HELPER_TIMEOUT_MS): SandboxRunner {
  return (args, input) =>
    new Promise((resolve, reject) => {
      const child = spawnIn(['node', ...args], { stdio: ['pipe', 'pipe', 'pipe'], timeout: timeoutMs, killSignal: 'SIGKILL' });
      const stdout: Buffer[] = [];
      const stderr: Buffer[] = [];
      child.stdout.on('data', (c: Buffer) => stdout.push(c));
      child.stderr.on('data', (c: Buffer) => stderr.push(c));
      child.on('error', reject);
      child.on('close', (code) => resolve({ code: code ?? 1, stdout: Buffer.concat(stdout).toString('utf8'), stderr: Buffer.concat(stderr).toString('utf8') }));
      child.stdin.on('error', () => {});
      child.stdin.end(input);
    });
}

async function run(runner: SandboxRunner, script: string, input: unknown, what: string) {
  const { code, stdout, stderr } = await runner(['-e', script], JSON.stringify(input));
  if (code !== 0) throw new SandboxError(`Could not ${what} in the sandbox: ${stderr.trim().split('\n').slice(-1)[0] ?? `exit code ${code}`}`, 500);
  return stdout;
}

export async function writeInSandbox(runner: SandboxRunner, files: FileToWrite[]) {
  const batch = files.map((f) => ({ path: f.path, data: (Buffer.isBuffer(f.content) ? f.content : Buffer.from(f.content)).toString('base64') }));
  await run(runner, WRITE, batch, 'write files');
}

export async function removeInSandbox(runner: SandboxRunner, paths: string[]) {
  await run(runner, REMOVE, paths, 'remove files');
}

/** A file's bytes, read inside the sandbox without following a symbolic link; over `maxBytes`: SandboxError 413. */
export async function readFileInSandbox(runner: SandboxRunner, path: string, maxBytes = Number.MAX_SAFE_INTEGER): Promise<Buffer> {
  const { code, stdout, stderr } = await runner(['-e', READ_FILE], JSON.stringify({ path, maxBytes }));
  if (code === 3) throw new SandboxError(`${path} is larger than ${maxBytes} bytes.`, 413);
  if (code !== 0) throw new SandboxError(`Could not read ${path} in the sandbox: ${stderr.trim().split('\n').slice(-1)[0] || `exit code ${code}`}`, 500);
  return Buffer.from(stdout, 'base64');
}

export async function readTreeInSandbox(runner: SandboxRunner, { maxFileBytes = 256 * 1024, maxFiles = 2000, maxTotal = 20 * 1024 * 1024 } = {}): Promise<TreeEntry[]> {
  return JSON.parse(await run(runner, READ, { maxFileBytes, maxFiles, maxTotal }, 'read the files')) as TreeEntry[];
}
