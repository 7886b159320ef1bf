import { execFile, spawn, type ChildProcess, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { chown, mkdir, readdir, rm, stat } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import {
  SandboxError,
  SandboxNotFoundError,
  type BackgroundProcess,
  type ExecOptions,
  type ExecResult,
  type FileToWrite,
  type PreviewTarget,
  type SandboxInfo,
  type SandboxProvider,
} from '../sandbox-provider.server';
import { bwrapArgs, bwrapAvailable, bwrapWorksAs, NPM_CACHE_DIR, PROJECT_DIR, sandboxHostUser, spawnBwrap, type BwrapOptions } from './bwrap.server';
import { SandboxCgroups } from './cgroups.server';
import { diskVolumesUnavailable, isMountPoint, mountVolume, removeVolume, serialized, unmountVolume } from './disk-volumes.server';
import { SharedNpmCache, sharedCacheUnavailable, type FillResult } from './shared-npm-cache.server';
import { SANDBOX_RESOLV_CONF, sandboxNetworkUnavailable, startSandboxNetwork, type SandboxNetwork } from './sandbox-network.server';
import { exitOf, killTree, listeningPorts, listeningPortsOf } from './process-tree.server';
import { boundDisk, dropOrphanCaches } from './local-reconcile.server';
import { LocalLayout, type Meta } from './local-layout.server';
import { checkProjectPath } from '../../artifact/file-path';
import { ConfigError } from '../../env.server';
import { readProjectFile, readProjectTree, removeProjectPaths, writeProjectFiles } from './project-files.server';
import { nodeInSandbox, readFileInSandbox, readTreeInSandbox, removeInSandbox, writeInSandbox } from './sandboxed-files.server';
import { errorMessage } from '../../error-message';

export interface LocalProviderOptions {
  dataDir: string;
  /** Where the per-session npm caches live (default: <dataDir>/npm-cache). */
  npmCacheDir?: string;
  /** First port handed to sandboxes as PORT. */
  portBase: number;
  commandTimeoutMs: number;
  maxOutputBytes: number;
  memoryMb: number;
  /** Disk the sandboxes may take together; past it, the oldest stopped sandboxes are removed. */
  maxDiskMb?: number;
  /** Size of each sandbox's /tmp (memory). */
  tmpMb?: number;
  /** Disk each sandbox's project, and each session's npm cache, may fill (a loop-mounted volume; root only). 0: unbounded. */
  diskMb?: number;
  /** The unprivileged host uid sandboxes run as when the server runs as root. */
  hostUid?: number;
  /** The longest a server-side file operation in a sandbox may take (default 30 s). */
  helperTimeoutMs?: number;
  /** Processes (and threads) one sandbox may have at once, where cgroups are available. */
  maxPids?: number;
  /** CPUs' worth of time one sandbox may use, where the cgroup cpu controller is available (default: all but one, at least 1). */
  cpus?: number;
  /**
   * The most the server-filled npm cache every session reads may hold (MiB; 0 or unset: none, each
   * session's cache stands alone). Needs root and overlayfs (shared-npm-cache.server.ts).
   */
  sharedNpmCacheMb?: number;
  /** How long an npm cache whose session has no sandbox is kept (one may be being created). */
  cacheGraceMs?: number;
  /** null: use bwrap when installed. */
  useBwrap?: boolean | null;
  /**
   * An own network namespace per sandbox (needs root, slirp4netns and /dev/net/tun). true: required
   * (start fails without); null: where possible, with a warning where not.
   */
  isolateNetwork?: boolean | null;
  /** Private address ranges (CIDR) sandboxes may still reach from their own network (a private registry mirror). */
  networkAllow?: string[];
  /** Harmless settings passed into sandboxes (a registry mirror, a proxy); never secrets. */
  passEnv?: Record<string, string>;
  log?: (line: string) => void;
}

const DEFAULT_HOST_UID = 200_000;

interface Live {
  meta: Meta;
  processes: Map<string, ChildProcess>;
}

/**
 * Sandboxes as directories on this machine, commands as child processes under bubblewrap (a
 * read-only system, only the project and its session's npm cache writable, the host's files and
 * environment invisible). Without bwrap it still works, with a loud warning.
 */
export class LocalProvider implements SandboxProvider {
  readonly name = 'local' as const;
  readonly isolated: boolean;
  /** Whether each sandbox has its own network namespace (else they share the host's). */
  readonly networkIsolated: boolean;
  /** Whether each sandbox's project and each session's npm cache are size-limited volumes. */
  readonly diskLimited: boolean;
  #options: LocalProviderOptions;
  #layout: LocalLayout;
  /** Who sandbox processes run as on the host (null: as the server, which is then not root). */
  #user: { uid: number; gid: number } | null;
  #live = new Map<string, Live>();
  #owned = new Set<string>();
  #reconciling = false;
  #deleting = new Set<string>();
  #cgroups = new SandboxCgroups();
  #usedPorts = new Set<number>();
  #networks = new Map<string, Promise<SandboxNetwork>>();
  #networkTurns = new Map<string, Promise<void>>();
  /** Volumes this instance mounted (another instance may share the npm cache directory). */
  #mounted = new Set<string>();
  /** The server-filled cache below each session's, when there is one. */
  #shared: SharedNpmCache | null = null;
  #fills = new Set<Promise<FillResult | null>>();

  constructor(options: LocalProviderOptions) {
    this.#options = options;
    this.#layout = new LocalLayout(options.dataDir, options.npmCacheDir);
    this.isolated = options.useBwrap ?? bwrapAvailable();
    // Unisolated, a sandbox runs as the server's user: as root that is host root with every capability.
    if (!this.isolated && process.getuid?.() === 0) {
      throw new ConfigError('Refusing to run Local sandboxes as root without bubblewrap: model code would run as host root. Install it (apt-get install bubblewrap slirp4netns; npm run dev does so on Debian and Ubuntu when it runs as root), run the server as an unprivileged user, or use Daytona (DAYTONA_API_KEY).');
    }
    this.#user = this.isolated ? sandboxHostUser(options.hostUid ?? DEFAULT_HOST_UID) : null;
    if (this.#user && !this.#cgroups.available) (options.log ?? console.warn)('sandboxes: cgroup v1 pids/memory not writable here: per-sandbox process and memory limits fall back to per-process rlimits.');
    mkdirSync(this.#layout.root, { recursive: true });
    mkdirSync(this.#layout.npmCacheRoot, { recursive: true });
    if (this.#user) {
      if (!bwrapWorksAs(this.#user)) {
        throw new ConfigError(`bubblewrap cannot create a user namespace when started as the unprivileged user ${this.#user.uid} on this host (unprivileged user namespaces are disabled?). Local sandboxes would run with host privileges: enable them (sysctl kernel.unprivileged_userns_clone=1), or use Daytona (DAYTONA_API_KEY).`);
      }
      this.#layout.prepareForSandboxUser(this.#user);
    }
    if (!this.isolated) {
      (options.log ?? console.warn)(
        `WARNING: bubblewrap (bwrap) is not installed: sandbox commands run WITHOUT isolation, as the server's user (uid ${process.getuid?.() ?? '?'}). Install it with: apt-get install bubblewrap`,
      );
    }
    const networkBlocker = !this.isolated ? 'sandboxes are not isolated at all' : sandboxNetworkUnavailable();
    this.networkIsolated = options.isolateNetwork !== false && networkBlocker === null;
    // (Without bwrap at all, the caller's refusal to run unisolated says more.)
    if (options.isolateNetwork === true && this.isolated && networkBlocker) throw new ConfigError(`Sandboxes need their own network namespaces, which cannot be made here: ${networkBlocker}.`);
    const diskBlocker = !this.#user ? 'sandboxes do not run as their own user' : diskVolumesUnavailable();
    this.diskLimited = (options.diskMb ?? 0) > 0 && diskBlocker === null;
    if ((options.diskMb ?? 0) > 0 && diskBlocker && this.isolated) {
      (options.log ?? console.warn)(`sandboxes: no disk limit per sandbox (${diskBlocker}); SANDBOX_MAX_DISK_MB bounds them together.`);
    }
    const sharedMb = options.sharedNpmCacheMb ?? 0;
    const sharedBlocker = !this.#user ? 'sandboxes do not run as their own user' : sharedCacheUnavailable(this.#layout.npmCacheRoot);
    if (sharedMb > 0 && sharedBlocker === null) {
      const npmEnv = Object.fromEntries(Object.entries(options.passEnv ?? {}).filter(([name, value]) => name.startsWith('npm_config_') && value));
      this.#shared = new SharedNpmCache({ root: this.#layout.sharedNpmCacheRoot, npmEnv, owner: this.#user!, maxMb: sharedMb, log: options.log ?? console.warn });
      void this.#shared.collect().catch(() => {});
    } else if (sharedMb > 0 && this.isolated) {
      (options.log ?? console.warn)(`sandboxes: no shared npm cache (${sharedBlocker}): each session's first install is cold.`);
    }
    if (this.networkIsolated) writeFileSync(this.#resolvConf(), SANDBOX_RESOLV_CONF, { mode: 0o644 });
    else if (this.isolated && options.isolateNetwork !== false) {
      (options.log ?? console.warn)(`WARNING: sandboxes share the host's network (they can reach its loopback services): ${networkBlocker}.`);
    }
  }

  #resolvConf() {
    return join(this.#options.dataDir, 'resolv.conf');
  }

  async create(labels: Record<string, string>): Promise<SandboxInfo> {
    const id = `local-${randomBytes(8).toString('hex')}`;
    const meta: Meta = { id, labels: { ...labels }, createdAt: Date.now(), port: this.#allocatePort(), ...(this.diskLimited ? { volume: true } : {}) };
    await mkdir(join(this.#layout.root, id), { recursive: true });
    if (meta.volume) await this.#mount(this.#layout.projectDir(id), false);
    else await mkdir(this.#layout.projectDir(id), { recursive: true });
    if (this.#user) await chown(this.#layout.projectDir(id), this.#user.uid, this.#user.gid);
    await this.#layout.saveMeta(meta);
    this.#live.set(id, { meta, processes: new Map() });
    return this.#info(meta);
  }

  async get(id: string): Promise<SandboxInfo | null> {
    const meta = await this.#meta(id).catch(() => null);
    return meta ? this.#info(meta) : null;
  }

  async list(labels: Record<string, string>): Promise<SandboxInfo[]> {
    const ids = await readdir(this.#layout.root).catch(() => [] as string[]);
    const metas = await Promise.all(ids.map((id) => this.#meta(id).catch(() => null)));
    return metas
      .filter((m): m is Meta => m !== null && Object.entries(labels).every(([k, v]) => m.labels[k] === v))
      .map((m) => this.#info(m));
  }

  async setLabels(id: string, labels: Record<string, string>) {
    const meta = await this.#metaOrThrow(id);
    for (const [key, value] of Object.entries(labels)) {
      if (value === '') delete meta.labels[key];
      else meta.labels[key] = value;
    }
    await this.#layout.saveMeta(meta);
  }

  async writeFiles(id: string, files: FileToWrite[]) {
    const meta = await this.#metaOrThrow(id);
    const checked = files.map((f) => ({ ...f, path: checkedPath(f.path) }));
    await this.#prepare(meta);
    if (this.isolated) await writeInSandbox(this.#files(meta), checked);
    else await writeProjectFiles(this.#layout.projectDir(id), checked);
  }

  async removePaths(id: string, paths: string[]) {
    const meta = await this.#metaOrThrow(id);
    const checked = paths.map(checkedPath);
    await this.#prepare(meta);
    if (this.isolated) await removeInSandbox(this.#files(meta), checked);
    else await removeProjectPaths(this.#layout.projectDir(id), checked);
  }

  /** Read inside the sandbox (a symbolic link there can only lead to what the sandbox itself sees, and is not followed anyway). */
  async readFile(id: string, path: string, options: { maxBytes?: number } = {}): Promise<Buffer> {
    const meta = await this.#metaOrThrow(id);
    const checked = checkedPath(path);
    await this.#prepare(meta);
    if (this.isolated) return readFileInSandbox(this.#files(meta), checked, options.maxBytes);
    return readProjectFile(this.#layout.projectDir(id), checked, options.maxBytes);
  }

  /** File access from inside the sandbox (see sandboxed-files.server.ts). */
  #files(meta: Meta) {
    // File helpers need no network: loopback only.
    const args = this.#bwrap(meta, this.networkIsolated ? { kind: 'none' } : { kind: 'host' });
    return nodeInSandbox((command, options) => spawnBwrap(args, command, options, this.#placement(meta)) as ChildProcessWithoutNullStreams, this.#options.helperTimeoutMs);
  }

  async exec(id: string, command: string, options: ExecOptions = {}): Promise<ExecResult> {
    const { child, output } = await this.#launch(id, command, 'exec', options.onOutput);
    // A caller may ask for less time than the server allows, never more.
    const timeoutMs = Math.min(options.timeoutMs ?? this.#options.commandTimeoutMs, this.#options.commandTimeoutMs);
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      options.onOutput?.(`\n[killed: ran longer than ${Math.round(timeoutMs / 1000)} s]\n`);
      killTree(child.pid!);
    }, timeoutMs);
    const abort = () => killTree(child.pid!);
    options.signal?.addEventListener('abort', abort, { once: true });
    const exitCode = await exitOf(child);
    clearTimeout(timer);
    options.signal?.removeEventListener('abort', abort);
    if (exitCode === 0 && !timedOut && this.#shared && INSTALL.test(command)) this.#fillSharedCache(id);
    return { exitCode: timedOut ? 124 : exitCode, ...(timedOut ? { timedOut } : {}), ...(output.truncated ? { truncated: true } : {}) };
  }

  async start(id: string, command: string, options: ExecOptions = {}): Promise<BackgroundProcess> {
    // A chatty server keeps running; its output past the cap is dropped.
    const { child, processId } = await this.#launch(id, command, 'proc', options.onOutput);
    return { id: processId, command, exit: exitOf(child) };
  }

  /** Spawns a command in the sandbox, tracked for stop, with its output forwarded up to the cap. */
  async #launch(id: string, command: string, kind: 'exec' | 'proc', onOutput?: (chunk: string) => void) {
    const meta = await this.#metaOrThrow(id);
    await this.#prepare(meta);
    if (this.#deleting.has(id)) throw new SandboxNotFoundError();
    const network = this.networkIsolated ? await this.#network(meta) : null;
    if (this.#deleting.has(id)) throw new SandboxNotFoundError();
    const child = this.#spawn(meta, command, network);
    const processId = `${kind}-${randomBytes(4).toString('hex')}`;
    this.#track(meta, processId, child);
    const output = { bytes: 0, truncated: false };
    const forward = (chunk: Buffer) => {
      if (output.truncated) return;
      output.bytes += chunk.length;
      if (output.bytes > this.#options.maxOutputBytes) {
        output.truncated = true;
        onOutput?.(`\n[output truncated after ${this.#options.maxOutputBytes} bytes]\n`);
        return;
      }
      onOutput?.(chunk.toString('utf8'));
    };
    child.stdout!.on('data', forward);
    child.stderr!.on('data', forward);
    return { child, processId, output };
  }

  /** After an install succeeds: the server adds the project's registry dependencies to the shared cache (in the background). */
  #fillSharedCache(id: string) {
    const fill = this.readFile(id, 'package.json', { maxBytes: 512 * 1024 })
      .then((text) => this.#shared!.fill(text.toString('utf8')))
      .catch(() => null); // no package.json at the top: nothing to add
    this.#fills.add(fill);
    void fill.finally(() => this.#fills.delete(fill));
  }

  /** Resolves once the shared npm cache has taken in every install so far (tests, benchmarks). */
  async sharedCacheSettled() {
    while (this.#fills.size) await Promise.all([...this.#fills]);
    await this.#shared?.idle();
  }

  /** Whether sessions' npm caches sit over the server-filled one. */
  get sharedNpmCache() {
    return this.#shared !== null;
  }

  async kill(id: string, processId: string) {
    await this.#metaOrThrow(id);
    const child = this.#live.get(id)?.processes.get(processId);
    if (!child) throw new SandboxNotFoundError('No such process in this sandbox.');
    const done = exitOf(child);
    killTree(child.pid!);
    await done;
  }

  async findPort(id: string, timeoutMs = 0): Promise<number | null> {
    const meta = await this.#metaOrThrow(id);
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const ports = await this.#listeningPorts(id);
      if (ports.length) return ports.includes(meta.port) ? meta.port : ports[0];
      if (Date.now() >= deadline) return null;
      await new Promise((r) => setTimeout(r, 250));
    }
  }

  /** What listens in the sandbox: in its own network namespace, everything there; else what its processes hold. */
  async #listeningPorts(id: string): Promise<number[]> {
    if (this.networkIsolated) {
      // Never the host's tables: a port found there would send the preview to the host's loopback.
      const network = await this.#networks.get(id)?.catch(() => null);
      return network?.alive() ? network.listeningPorts() : [];
    }
    const live = this.#live.get(id);
    const roots = live ? [...live.processes.values()].map((p) => p.pid!).filter(Boolean) : [];
    if (!roots.length) return [];
    // With cgroups, the sandbox's processes are listed by the kernel and read asynchronously.
    return this.#user && this.#cgroups.available ? listeningPortsOf(await this.#cgroups.processes(id)) : listeningPorts(roots);
  }

  async previewTarget(id: string, port: number): Promise<PreviewTarget> {
    await this.#metaOrThrow(id);
    if (!this.networkIsolated) return { url: `http://127.0.0.1:${port}`, headers: {} };
    // In its own namespace the sandbox's loopback is reached through the namespace's forwarder.
    const network = await this.#networks.get(id)?.catch(() => null);
    if (!network?.alive()) throw new SandboxError('The sandbox is not running.', 503);
    return { url: `http://127.0.0.1:${port}`, headers: {}, agent: network.agent };
  }

  /**
   * The sandbox's network namespace, made on its first command. One that died (its holder or
   * slirp4netns killed) takes the sandbox's processes with it: they would otherwise go on in a
   * namespace no one can reach. One caller at a time per sandbox.
   */
  #network(meta: Meta): Promise<SandboxNetwork> {
    const before = this.#networkTurns.get(meta.id) ?? Promise.resolve();
    const turn = before.then(async () => {
      const existing = await this.#networks.get(meta.id)?.catch(() => null);
      if (existing?.alive()) return existing;
      if (this.#networks.has(meta.id)) await this.#stopProcessesAndNetwork(meta.id);
      const made = startSandboxNetwork(join(this.#layout.root, meta.id, `net-${randomBytes(4).toString('hex')}`), this.#user!, this.#options.networkAllow).catch((error: unknown) => {
        if (this.#networks.get(meta.id) === made) this.#networks.delete(meta.id);
        (this.#options.log ?? console.warn)(`sandboxes: ${errorMessage(error)}`);
        throw new SandboxError("The sandbox's network could not be set up. Try again; if it keeps failing, the server log says why.", 503);
      });
      this.#networks.set(meta.id, made);
      return made;
    });
    const settled = turn.then(() => {}, () => {});
    this.#networkTurns.set(meta.id, settled);
    void settled.then(() => this.#networkTurns.get(meta.id) === settled && this.#networkTurns.delete(meta.id));
    return turn;
  }

  async #stopNetwork(id: string) {
    const network = this.#networks.get(id);
    if (!network) return;
    this.#networks.delete(id);
    await network.then((n) => n.stop(), () => {});
  }

  async readTree(id: string, options?: { maxFileBytes?: number; maxFiles?: number }) {
    const meta = await this.#metaOrThrow(id);
    await this.#prepare(meta);
    if (this.isolated) return readTreeInSandbox(this.#files(meta), options);
    return readProjectTree(this.#layout.projectDir(id), options);
  }

  /** Ready to run again after a stop (volumes mounted, cgroups made): what its first command would do, done now. */
  async resume(id: string) {
    const meta = await this.#metaOrThrow(id);
    await this.#prepare(meta);
    if (!this.#live.has(id)) this.#live.set(id, { meta, processes: new Map() });
  }

  async stop(id: string) {
    await this.#stopProcessesAndNetwork(id);
    // Its volume is mounted again when it is used (loop devices are few in some containers).
    const dir = this.#layout.projectDir(id);
    if (this.#mounted.has(dir)) {
      this.#owned.delete(id);
      this.#mounted.delete(dir);
      await unmountVolume(dir);
      // Prepared again when used: its (now empty) cgroups go too, or shutdown would not know them.
      if (this.#cgroups.available) await this.#cgroups.remove(id);
    }
  }

  async #stopProcessesAndNetwork(id: string) {
    const live = this.#live.get(id);
    if (!live) return this.#stopNetwork(id);
    const exits = [...live.processes.values()].map((child) => {
      const done = exitOf(child);
      killTree(child.pid!);
      return done;
    });
    await Promise.all(exits);
    // Whatever escaped the process tree (setsid, double forks) is still in the sandbox's cgroup.
    if (this.#cgroups.available) for (const pid of await this.#cgroups.processes(id)) killTree(pid);
    await this.#stopNetwork(id);
    // Stopped until a command runs in it again: it no longer counts against the caps.
    this.#live.delete(id);
  }

  async delete(id: string) {
    const meta = await this.#metaOrThrow(id);
    // From here on no command may start in it (one starting now would outlive the sandbox).
    this.#deleting.add(id);
    await this.stop(id);
    this.#live.delete(id);
    this.#usedPorts.delete(meta.port);
    if (this.#cgroups.available) {
      for (const pid of await this.#cgroups.processes(id)) killTree(pid);
      await this.#cgroups.remove(id);
    }
    this.#owned.delete(id);
    try {
      if (meta.volume) await this.#removeVolume(this.#layout.projectDir(id));
      await rm(join(this.#layout.root, id), { recursive: true, force: true });
    } finally {
      this.#deleting.delete(id);
    }
  }

  /**
   * Sandboxes found on disk from an earlier run are stopped (their processes died with that
   * server); this bounds the disk they use: past `maxDiskMb`, the oldest stopped ones go first.
   */
  async reconcile() {
    if (this.#reconciling) return; // one pass at a time
    this.#reconciling = true;
    try {
      const ids = (await readdir(this.#layout.root).catch(() => [] as string[])).filter((id) => /^local-[0-9a-f]{16}$/.test(id));
      await boundDisk({
        limitMb: this.#options.maxDiskMb ?? 0,
        sandboxes: await Promise.all(ids.map(async (id) => ({ id, dir: join(this.#layout.root, id), createdAt: (await this.#meta(id).catch(() => null))?.createdAt ?? null }))),
        running: (id) => this.#live.has(id),
        remove: (id) => this.delete(id),
        log: this.#options.log ?? console.warn,
      });
      await dropOrphanCaches({
        cacheRoot: this.#layout.npmCacheRoot,
        owners: new Set((await this.list({})).map((sandbox) => sandbox.labels.owner)),
        graceMs: this.#options.cacheGraceMs ?? 60_000,
        removeVolume: (dir) => this.#removeSessionCache(dir),
      });
      await this.#shared?.collect();
    } finally {
      this.#reconciling = false;
    }
  }

  /**
   * Stops every sandbox's processes (server shutdown). Files stay until the reaper removes them;
   * volumes and cgroups go (the host keeps none of ours) and are made again when used.
   */
  async stopAll() {
    const prepared = [...this.#owned];
    await Promise.all([...this.#live.keys()].map((id) => this.stop(id)));
    // Newest first: a session's cache overlay before the volume under it.
    for (const dir of [...this.#mounted].reverse()) await unmountVolume(dir);
    this.#mounted.clear();
    // Their cgroups are empty now: none is left behind on the host (made again when used).
    if (this.#cgroups.available) await Promise.all(prepared.map((id) => this.#cgroups.remove(id)));
    this.#owned.clear();
  }

  #env(meta: Meta): Record<string, string> {
    const projectDir = this.#layout.projectDir(meta.id);
    return {
      ...(this.#options.passEnv ?? {}),
      PATH: '/usr/local/bin:/usr/bin:/bin',
      HOME: this.isolated ? PROJECT_DIR : projectDir,
      PORT: String(meta.port),
      // All interfaces of its own namespace; on a shared network, only the host's loopback.
      HOST: this.networkIsolated ? '0.0.0.0' : '127.0.0.1',
      TERM: 'xterm-256color',
      LANG: 'C.UTF-8',
      FORCE_COLOR: '1',
      npm_config_cache: this.isolated ? NPM_CACHE_DIR : this.#layout.npmCache(meta),
      // node-gyp builds native addons against the installed headers instead of downloading them.
      npm_config_nodedir: '/usr',
      npm_config_update_notifier: 'false',
      npm_config_fund: 'false',
      npm_config_audit: 'false',
      // A session's cache is recent: a second install takes packuments from it instead of asking again.
      npm_config_prefer_offline: 'true',
    };
  }

  #spawn(meta: Meta, command: string, network: SandboxNetwork | null): ChildProcess {
    const stdio: ['ignore', 'pipe', 'pipe'] = ['ignore', 'pipe', 'pipe'];
    const { memoryMb } = this.#options;
    const projectDir = this.#layout.projectDir(meta.id);
    const env = this.#env(meta);
    // ulimit -d caps the memory each process can write to (heap and private mappings). Not -v:
    // V8 reserves gigabytes of address space for WebAssembly, so an address-space cap breaks Vite.
    const script = `ulimit -d ${memoryMb * 1024} 2>/dev/null; exec sh -c "$1"`;
    if (this.isolated) {
      const args = this.#bwrap(meta, network ? { kind: 'joined', resolvConf: this.#resolvConf() } : { kind: 'host' });
      return spawnBwrap(args, ['sh', '-c', script, 'sh', command], { detached: true, stdio }, { ...this.#placement(meta), netns: network ? { path: network.nsPath, inode: network.nsInode } : undefined });
    }
    return spawn('sh', ['-c', script, 'sh', command], { cwd: projectDir, env: env as NodeJS.ProcessEnv, detached: true, stdio });
  }

  /** Once per sandbox and server run: its session's npm cache and its cgroups exist, and its files (made before sandboxes ran as their own user, say) belong to the sandbox user. */
  async #prepare(meta: Meta) {
    const user = this.#user;
    if (this.#owned.has(meta.id)) return;
    const cache = this.#layout.npmCache(meta);
    if (this.#shared) await this.#mountSessionCache(cache);
    // Made again after a reboot (mounts do not survive it); a cache from before volumes is replaced.
    else if (this.diskLimited) await this.#mount(cache, true);
    if (meta.volume) await this.#mount(this.#layout.projectDir(meta.id), false);
    await mkdir(cache, { recursive: true });
    if (!user) {
      this.#owned.add(meta.id);
      return;
    }
    if (!this.#shared && (await stat(cache)).uid !== user.uid) await chown(cache, user.uid, user.gid);
    if (this.#cgroups.available) await this.#cgroups.ensure(meta.id, { maxPids: this.#options.maxPids ?? 512, memoryBytes: this.#options.memoryMb * 1024 * 1024, cpus: this.#options.cpus ?? Math.max(1, availableParallelism() - 1) });
    const dir = this.#layout.projectDir(meta.id);
    if ((await stat(dir)).uid !== user.uid) {
      await new Promise<void>((resolve, reject) => execFile('chown', ['-R', '-P', `${user.uid}:${user.gid}`, dir], (error) => (error ? reject(error) : resolve())));
    }
    this.#owned.add(meta.id);
  }

  /**
   * A session's cache over the shared one: its own writes in `<cache>.rw` (a volume when disks are
   * limited), the current shared layer below. A cache from before (a volume of its own, or a plain
   * directory) is removed first: caches can always be fetched again.
   */
  async #mountSessionCache(cache: string) {
    const rw = `${cache}.rw`;
    const fresh = await serialized(cache, async () => {
      if (await isMountPoint(cache)) return false;
      await rm(this.#image(cache), { force: true });
      await rm(cache, { recursive: true, force: true });
      return true;
    });
    if (!fresh) return;
    if (this.diskLimited) await this.#mount(rw, true);
    else await mkdir(rw, { recursive: true });
    await serialized(cache, async () => {
      if (await isMountPoint(cache)) return;
      try {
        await this.#shared!.mountSession(cache, rw, this.#user!);
      } catch (error) {
        (this.#options.log ?? console.warn)(`sandboxes: ${errorMessage(error)}`);
        throw new SandboxError("The sandbox's npm cache could not be set up. Try again; if it keeps failing, the server log says why.", 503);
      }
      this.#mounted.add(cache);
    });
  }

  /** A session's npm cache goes: the overlay, then its own layer (and a volume of its own from before). */
  async #removeSessionCache(cache: string) {
    await this.#removeVolume(cache);
    if (this.#shared) {
      await this.#removeVolume(`${cache}.rw`);
      await rm(`${cache}.rw`, { recursive: true, force: true });
    }
  }

  /** The image file behind a volume mounted on `dir`. */
  #image(dir: string) {
    return `${dir}.img`;
  }

  async #mount(dir: string, replaceContents: boolean) {
    try {
      // Only what this instance mounted is its to unmount (another may share the npm cache directory).
      if ((await mountVolume(dir, this.#image(dir), this.#options.diskMb!, this.#user!, replaceContents)) === 'mounted') this.#mounted.add(dir);
    } catch (error) {
      (this.#options.log ?? console.warn)(`sandboxes: ${errorMessage(error)}`);
      throw new SandboxError("The sandbox's disk could not be set up. Try again; if it keeps failing, the server log says why.", 503);
    }
  }

  async #removeVolume(dir: string) {
    await removeVolume(dir, this.#image(dir));
    this.#mounted.delete(dir);
  }

  #placement(meta: Meta) {
    return { user: this.#user, cgroupProcs: this.#user && this.#cgroups.available ? this.#cgroups.procsFiles(meta.id) : undefined };
  }

  #bwrap(meta: Meta, network: BwrapOptions['network']) {
    return bwrapArgs(this.#layout.projectDir(meta.id), this.#layout.npmCache(meta), this.#env(meta), { tmpBytes: (this.#options.tmpMb ?? 512) * 1024 * 1024, network });
  }

  #track(meta: Meta, processId: string, child: ChildProcess) {
    let live = this.#live.get(meta.id);
    if (!live) {
      live = { meta, processes: new Map() };
      this.#live.set(meta.id, live);
    }
    live.processes.set(processId, child);
    child.once('exit', () => live.processes.delete(processId));
  }

  #allocatePort() {
    let port = this.#options.portBase;
    while (this.#usedPorts.has(port)) port += 1;
    this.#usedPorts.add(port);
    return port;
  }

  #info(meta: Meta): SandboxInfo {
    const live = this.#live.get(meta.id);
    return { id: meta.id, labels: meta.labels, createdAt: meta.createdAt, state: live ? 'started' : 'stopped' };
  }

  async #meta(id: string): Promise<Meta> {
    if (!/^local-[0-9a-f]{16}$/.test(id)) throw new SandboxNotFoundError();
    const live = this.#live.get(id);
    if (live) return live.meta;
    const meta = await this.#layout.readMeta(id);
    this.#usedPorts.add(meta.port);
    return meta;
  }

  async #metaOrThrow(id: string): Promise<Meta> {
    try {
      return await this.#meta(id);
    } catch (error) {
      if (error instanceof SandboxError) throw error;
      throw new SandboxNotFoundError();
    }
  }

}

/** A command that installs the project's dependencies at its top: after it, the project's package.json is worth caching. */
const INSTALL = /(?:^|&&|;|\n)\s*npm\s+(?:install|i|ci|add)\b/;

function checkedPath(path: string) {
  const check = checkProjectPath(path);
  if (!check.ok) throw new SandboxError(`Refused path: ${check.reason}`, 400);
  return check.path;
}
