import { execFile, spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync } from 'node:fs';
import { copyFile, lstat, mkdir, readdir, readFile, readlink, rename, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * A package cache that every session's installs read and only the server writes.
 *
 * Sessions keep their own npm caches (a sandbox must not change what another session installs),
 * which made every visitor's first install cold. Now each session's cache is an overlay: below it
 * the current "layer", a read-only npm cache the server filled itself; above it the session's own
 * writable directory. A sandbox reads the layer's packuments and tarballs, and whatever it writes,
 * a change to a layer file included, lands in its session's directory (copy-up), never in the layer.
 *
 * The server fills the layer after an install in a sandbox succeeds: it takes the project's
 * package.json, keeps only registry dependencies (names and semver ranges or tags: no URLs, git,
 * files or aliases; no scripts, workspaces or overrides), and runs `npm install --ignore-scripts`
 * of that in a scratch project on the host, as the server, with a clean environment and the
 * registry the sandboxes use. Nothing of the sandbox's cache, lock file or node_modules is taken:
 * what enters the layer came from the registry over the server's own connection, with npm's
 * integrity checks. That install writes into its own overlay over the current layer; the new
 * layer is a hard-linked copy of the current one with those changes applied, so layers never
 * change once made, and a session mounted over an older one keeps a consistent view (overlayfs
 * forbids changing a lower layer under a mount). Old layers go once no mount uses them.
 *
 * Needs root (mounts) and the kernel's overlay file system; elsewhere each session's cache stands alone.
 */

/** Why a shared cache cannot be used here, or null. */
export function sharedCacheUnavailable(cacheRoot: string): string | null {
  if (process.getuid?.() !== 0) return 'the server does not run as root (overlay mounts need root)';
  let filesystems = '';
  try {
    filesystems = readFileSync('/proc/filesystems', 'utf8');
  } catch {
    // not Linux
  }
  if (!/\toverlay$/m.test(filesystems)) return 'the kernel offers no overlay file system';
  // Mount options are comma- and colon-separated: a path holding either cannot be named in them.
  if (/[,:\s\\]/.test(cacheRoot)) return `the npm cache directory's path (${cacheRoot}) holds a comma, colon, space or backslash`;
  return null;
}

const NAME = /^(?:@[a-z0-9][a-z0-9._~-]*\/)?[a-z0-9][a-z0-9._~-]*$/;
// Semver ranges and dist-tags only: no `:` (URLs, git:, file:, npm: aliases), no `/` (GitHub
// shorthands, paths), no leading `.` (npm reads `.` and `..` as folders).
const RANGE = /^[\w+^~<>=|* -][\w.+^~<>=|* -]{0,63}$/;
const MAX_DEPENDENCIES = 300;
const FIELDS = ['dependencies', 'devDependencies', 'optionalDependencies'] as const;

export interface FillManifest {
  manifest: Record<string, unknown>;
  /** Dependencies left out (not from the registry, or malformed), as `name@spec`. */
  dropped: string[];
}

/** The registry dependencies of a project's package.json, as a manifest of its own; null when there are none. */
export function cacheFillManifest(text: string): FillManifest | null {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return null;
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) return null;
  const manifest: Record<string, unknown> = { name: 'appforge-cache-fill', version: '0.0.0', private: true };
  const dropped: string[] = [];
  let count = 0;
  for (const field of FIELDS) {
    const deps = (parsed as Record<string, unknown>)[field];
    if (!deps || typeof deps !== 'object' || Array.isArray(deps)) continue;
    const kept: Record<string, string> = {};
    for (const [name, spec] of Object.entries(deps as Record<string, unknown>)) {
      const ok = typeof spec === 'string' && name.length <= 214 && NAME.test(name) && RANGE.test(spec.trim() || '*') && count < MAX_DEPENDENCIES;
      if (!ok) {
        dropped.push(`${name.slice(0, 100)}@${String(spec).slice(0, 100)}`);
        continue;
      }
      kept[name] = (spec as string).trim() || '*';
      count += 1;
    }
    if (Object.keys(kept).length) manifest[field] = kept;
  }
  return count ? { manifest, dropped } : null;
}

export interface SharedNpmCacheOptions {
  /** Where layers live: only the server can reach it. */
  root: string;
  /** The registry and TLS settings the sandboxes' npm uses (npm_config_*). */
  npmEnv: Record<string, string>;
  /** Who owns the layers' files: the sandbox user, so its writes through an overlay copy them up. */
  owner: { uid: number; gid: number };
  /** The most a layer may hold; a fill that would pass it is dropped. */
  maxMb: number;
  /** The longest one fill's install may take (default 5 min). */
  timeoutMs?: number;
  /** The same dependencies are fetched again after this long (default a day): packuments go stale. */
  refillAfterMs?: number;
  log?: (line: string) => void;
}

interface State {
  /** The current layer's directory name. */
  current: string;
  /** When each set of dependencies was last filled (by the hash of its manifest). */
  filled: Record<string, number>;
}

export type FillResult = { kind: 'filled'; addedKb: number; dropped: string[] } | { kind: 'known' } | { kind: 'skipped'; reason: string };

/** Fills waiting or running at most; more are dropped (the next install asks again). */
const MAX_QUEUED = 4;

const TOOLS_ENV = { PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' } as unknown as NodeJS.ProcessEnv;

function run(command: string, args: string[], timeout = 120_000): Promise<string> {
  return new Promise((resolve, reject) =>
    execFile(command, args, { env: TOOLS_ENV, timeout, maxBuffer: 4 * 1024 * 1024 }, (error, stdout, stderr) =>
      error ? reject(new Error(`${command} ${args[0] ?? ''}: ${String(stderr).trim().slice(-500) || error.message}`)) : resolve(String(stdout)),
    ),
  );
}

const diskKb = async (dir: string) => Number.parseInt(await run('du', ['-skx', dir], 300_000), 10) || 0;

export class SharedNpmCache {
  #options: SharedNpmCacheOptions;
  #state: State;
  /** Layers being mounted by this process (between reading `current` and the mount showing in mountinfo). */
  #acquiring = new Map<string, number>();
  #queue: Promise<unknown> = Promise.resolve();
  #pending = 0;
  /** The fill running now. */
  #staging = '';

  constructor(options: SharedNpmCacheOptions) {
    this.#options = options;
    mkdirSync(options.root, { recursive: true, mode: 0o700 });
    chmodSync(options.root, 0o700);
    this.#state = this.#load();
  }

  /** The current layer's directory (read again each time: another server process may have made a newer one). */
  get currentLayer() {
    this.#state = this.#load();
    return join(this.#options.root, this.#state.current);
  }

  /**
   * Mounts a session's cache on `dir`: the current layer below, `rw`'s `upper` (the session's own
   * writes) above. `rw` must be on one file system (a session volume, or a plain directory).
   */
  async mountSession(dir: string, rw: string, user: { uid: number; gid: number }) {
    const layer = this.currentLayer;
    this.#acquiring.set(layer, (this.#acquiring.get(layer) ?? 0) + 1);
    try {
      await mkdir(join(rw, 'upper'), { recursive: true });
      await mkdir(join(rw, 'work'), { recursive: true });
      // The overlay's root takes its owner from the upper directory: the sandbox user writes there.
      await run('chown', [`${user.uid}:${user.gid}`, join(rw, 'upper')]);
      await mkdir(dir, { recursive: true });
      await run('mount', ['-t', 'overlay', 'overlay', '-o', `lowerdir=${layer},upperdir=${join(rw, 'upper')},workdir=${join(rw, 'work')},nosuid,nodev`, dir]);
    } finally {
      const left = (this.#acquiring.get(layer) ?? 1) - 1;
      if (left > 0) this.#acquiring.set(layer, left);
      else this.#acquiring.delete(layer);
    }
  }

  /** Resolves once no fill is queued or running. */
  async idle() {
    while (this.#pending) await this.#queue.catch(() => {});
  }

  /** Adds what `packageJson` depends on to a new layer (one fill at a time; the same dependencies once a day). */
  fill(packageJson: string): Promise<FillResult> {
    // A session installing in a loop with ever new dependencies must not queue work without end.
    if (this.#pending >= MAX_QUEUED) return Promise.resolve({ kind: 'skipped', reason: 'busy: other fills are waiting' });
    this.#pending += 1;
    const result = this.#queue.catch(() => {}).then(() => this.#fill(packageJson));
    this.#queue = result.finally(() => (this.#pending -= 1));
    return result;
  }

  async #fill(packageJson: string): Promise<FillResult> {
    const fill = cacheFillManifest(packageJson);
    if (!fill) return { kind: 'skipped', reason: 'no registry dependencies' };
    const key = createHash('sha256').update(JSON.stringify(fill.manifest)).digest('hex');
    const base = this.currentLayer;
    const last = this.#state.filled[key];
    if (last && Date.now() - last < (this.#options.refillAfterMs ?? 24 * 3_600_000)) return { kind: 'known' };

    const staging = join(this.#options.root, `staging-${randomBytes(6).toString('hex')}`);
    const merged = join(staging, 'merged');
    this.#staging = staging;
    try {
      for (const sub of ['upper', 'work', 'merged', 'project', 'home']) await mkdir(join(staging, sub), { recursive: true });
      await writeFile(join(staging, 'project', 'package.json'), JSON.stringify(fill.manifest));
      await run('mount', ['-t', 'overlay', 'overlay', '-o', `lowerdir=${base},upperdir=${join(staging, 'upper')},workdir=${join(staging, 'work')}`, merged]);
      try {
        await this.#install(staging, merged);
      } finally {
        await run('umount', [merged]).catch(() => run('umount', ['-l', merged]));
      }
      const added = join(staging, 'upper', '_cacache');
      const addedKb = await diskKb(added).catch(() => 0);
      if (!addedKb) return this.#remember(key, { kind: 'filled', addedKb: 0, dropped: fill.dropped });
      if ((await diskKb(base)) + addedKb > this.#options.maxMb * 1024) {
        return { kind: 'skipped', reason: `the shared npm cache would pass SANDBOX_SHARED_NPM_CACHE_MB=${this.#options.maxMb}` };
      }
      // The next layer: the current one hard-linked (cheap, and its files never change), then the
      // install's changes applied by replacing files, never by writing into a linked one.
      const next = `layer-${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;
      const building = join(staging, 'next');
      await run('cp', ['-al', base, building], 300_000);
      await mkdir(join(building, '_cacache'), { recursive: true });
      await applyChanges(added, join(building, '_cacache'));
      await run('chown', ['-R', `${this.#options.owner.uid}:${this.#options.owner.gid}`, building], 300_000);
      await rename(building, join(this.#options.root, next));
      return this.#remember(key, { kind: 'filled', addedKb, dropped: fill.dropped }, next);
    } catch (error) {
      (this.#options.log ?? console.warn)(`sandboxes: the shared npm cache was not filled: ${error instanceof Error ? error.message : String(error)}`);
      return { kind: 'skipped', reason: 'the install failed (the server log says why)' };
    } finally {
      await rm(staging, { recursive: true, force: true }).catch(() => {});
      this.#staging = '';
      await this.collect().catch(() => {});
    }
  }

  /** The scratch install: no scripts, a clean environment (none of the server's secrets), lowest priority. */
  #install(staging: string, cache: string): Promise<void> {
    const env = {
      ...this.#options.npmEnv,
      PATH: '/usr/local/bin:/usr/bin:/bin',
      HOME: join(staging, 'home'),
      npm_config_cache: cache,
      npm_config_logs_dir: join(staging, 'home'),
      // The host's user config may hold registry tokens: never used here.
      npm_config_userconfig: '/dev/null',
      npm_config_ignore_scripts: 'true',
      npm_config_update_notifier: 'false',
      npm_config_fund: 'false',
      npm_config_audit: 'false',
    };
    return new Promise((resolve, reject) => {
      const child = spawn('nice', ['-n', '19', 'npm', 'install', '--ignore-scripts', '--no-bin-links', '--no-package-lock', '--loglevel=error'], {
        cwd: join(staging, 'project'),
        env: env as unknown as NodeJS.ProcessEnv,
        stdio: ['ignore', 'ignore', 'pipe'],
      });
      let stderr = '';
      child.stderr.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-2000)));
      const timer = setTimeout(() => child.kill('SIGKILL'), this.#options.timeoutMs ?? 300_000);
      child.once('error', reject);
      child.once('exit', (code, signal) => {
        clearTimeout(timer);
        if (code === 0) resolve();
        else reject(new Error(`npm install exited with ${signal ?? code}: ${stderr.trim().split('\n').slice(-3).join(' ')}`));
      });
    });
  }

  async #remember(key: string, result: FillResult, current?: string): Promise<FillResult> {
    // Another server process may have filled meanwhile: its record is kept, this layer wins.
    this.#state = this.#load();
    if (current) this.#state.current = current;
    this.#state.filled[key] = Date.now();
    const stateFile = join(this.#options.root, 'state.json');
    // Written whole and renamed: a crash leaves the old state, never half of one.
    const temp = `${stateFile}.${randomBytes(4).toString('hex')}`;
    await writeFile(temp, JSON.stringify(this.#state));
    await rename(temp, stateFile);
    return result;
  }

  #load(): State {
    try {
      const state = JSON.parse(readFileSync(join(this.#options.root, 'state.json'), 'utf8')) as State;
      if (typeof state.current === 'string' && /^layer-[0-9a-z-]+$/.test(state.current) && state.filled && typeof state.filled === 'object') {
        mkdirSync(join(this.#options.root, state.current), { recursive: true });
        return state;
      }
    } catch {
      // none yet, or unreadable: what this process knew, or empty
    }
    if (this.#state) return this.#state;
    const state: State = { current: 'layer-empty', filled: {} };
    mkdirSync(join(this.#options.root, state.current), { recursive: true });
    return state;
  }

  /**
   * Removes layers no mount uses any more, and what fills that died left behind. A layer made in
   * the last minutes stays: another server process sharing this directory may be about to use it.
   */
  async collect() {
    const current = this.#load().current;
    const mounts = readFileSync('/proc/self/mountinfo', 'utf8');
    for (const name of await readdir(this.#options.root)) {
      const dir = join(this.#options.root, name);
      if (name.startsWith('layer-')) {
        if (name === current || this.#acquiring.has(dir) || mounts.includes(`lowerdir=${dir},`) || mounts.includes(`lowerdir=${dir}\n`)) continue;
        if (Date.now() - (await stat(dir)).mtimeMs < 10 * 60_000) continue;
        await rm(dir, { recursive: true, force: true });
      } else if (name.startsWith('staging-') && dir !== this.#staging && Date.now() - (await stat(dir)).mtimeMs > 3_600_000) {
        if (mounts.includes(`${dir}/merged `)) await run('umount', ['-l', join(dir, 'merged')]).catch(() => {});
        await rm(dir, { recursive: true, force: true });
      }
    }
  }
}

/**
 * Applies an overlay upper directory's changes to `target`: files replaced (unlinked first, so a
 * file hard-linked from an older layer stays as it was), whiteouts (character devices 0:0)
 * removed. Opaque directories are merged rather than replaced: npm's cache never removes a
 * directory it then makes again, except its tmp directory, whose leftovers are harmless.
 */
export async function applyChanges(upper: string, target: string) {
  for (const entry of await readdir(upper)) {
    const from = join(upper, entry);
    const to = join(target, entry);
    const info = await lstat(from);
    if (info.isCharacterDevice() && info.rdev === 0) {
      await rm(to, { recursive: true, force: true });
    } else if (info.isDirectory()) {
      const existing = await lstat(to).catch(() => null);
      if (existing && !existing.isDirectory()) await rm(to, { force: true });
      await mkdir(to, { recursive: true });
      await applyChanges(from, to);
    } else if (info.isFile()) {
      await rm(to, { recursive: true, force: true });
      await copyFile(from, to);
    } else if (info.isSymbolicLink()) {
      await rm(to, { recursive: true, force: true });
      await symlink(await readlink(from), to);
    }
  }
}

/** For tests: every file of a layer with its content's hash. */
export async function layerDigest(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  const walk = async (sub: string) => {
    for (const entry of await readdir(join(dir, sub), { withFileTypes: true })) {
      const rel = join(sub, entry.name);
      if (entry.isDirectory()) await walk(rel);
      else if (entry.isFile()) out[rel] = createHash('sha256').update(await readFile(join(dir, rel))).digest('hex');
    }
  };
  await walk('');
  return out;
}
