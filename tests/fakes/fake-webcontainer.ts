import { createFsFromVolume, Volume } from 'memfs';
import { posix } from 'node:path';

/**
 * A browser tab as @webcontainer/api 1.6.4 sees it (node_modules/@webcontainer/api/dist/index.js):
 * one instance at a time — a second `boot()` before `teardown()` throws "Only a single
 * WebContainer instance can be booted" — and that instance's files and processes belong to the
 * tab, not to whoever booted it: a runtime made later in the same tab sees what earlier ones left
 * (files, servers still holding their ports) until someone removes or kills it. `teardown()`
 * ends every process and makes the instance unusable; the next `boot()` waits for it.
 */
export class FakeTab {
  /** The booted instance, if any (what `WebContainer._instance` is in the real module). */
  instance: FakeWebContainer | null = null;
  /** Every instance booted in this tab, torn down or not. */
  readonly booted: FakeWebContainer[] = [];
  boots = 0;
  bootOptions: unknown;
  /** Programs, by the command line given to `jsh -c` (any instance of this tab runs them). */
  readonly programs = new Map<string, FakeProgram>();
  /** How the next boots end: an error, or never (offline, the runtime's servers unreachable). */
  bootFailure?: Error | 'never';
  /** Makes `setPreviewScript` fail on this tab's instances with this error. */
  previewScriptFailure?: Error;
  #teardown: Promise<void> | null = null;
  #booting: Promise<unknown> | null = null;

  /** What `import('@webcontainer/api')` gives the runtime. */
  readonly load = async () => ({ WebContainer: { boot: (options?: { workdirName?: string }) => this.#boot(options) } }) as never;

  program(command: string, program: FakeProgram) {
    this.programs.set(command, program);
    return this;
  }

  async #boot(options: { workdirName?: string } = {}): Promise<FakeWebContainer> {
    this.boots += 1;
    this.bootOptions = options;
    await this.#teardown;
    this.#teardown = null;
    while (this.#booting) await this.#booting;
    if (this.instance) throw new Error('Only a single WebContainer instance can be booted');
    const failure = this.bootFailure;
    const booting = (async () => {
      await new Promise((resolve) => setTimeout(resolve, 1));
      if (failure === 'never') await new Promise(() => {});
      if (failure) throw failure;
      return new FakeWebContainer(this, options.workdirName ?? 'project');
    })();
    this.#booting = booting.catch(() => {});
    try {
      const instance = await booting;
      this.instance = instance;
      this.booted.push(instance);
      return instance;
    } finally {
      this.#booting = null;
    }
  }

  /** Called by an instance's teardown (as the real one clears `WebContainer._instance`). */
  tornDown(instance: FakeWebContainer, done: Promise<void>) {
    this.#teardown = done.then(() => {
      if (this.instance === instance) this.instance = null;
    });
  }
}

export interface FakeProgram {
  /** Printed when it starts (default: "ran <command>"). */
  output?: string;
  exitCode?: number;
  /** Files it writes into the workdir before it ends or listens (a scaffolder, a lockfile, node_modules). */
  creates?: Record<string, string>;
  /** A server: listens on this port until killed; fails with EADDRINUSE if the port is taken. */
  listen?: number;
  /** Runs until killed, without a port (a watcher, a long build). */
  forever?: boolean;
  /** Ignores kill(), as a Node stuck in a hot loop does in WebContainer (webcontainer-core#1121). */
  unkillable?: boolean;
  /** Leaves a server on this port running in the background (`node server.js &`) and exits: no process handle reaches it. */
  background?: number;
}

type Listener = (...args: never[]) => void;

export interface FakeProcess {
  command: string;
  killed: boolean;
  ended: boolean;
  exit: Promise<number>;
  output: ReadableStream<string>;
  input: WritableStream<string>;
  kill(): void;
  resize(): void;
}

/** One booted instance: a Node-like file system (memfs) under /home/<workdirName>, processes, ports. */
export class FakeWebContainer {
  readonly workdir: string;
  readonly processes: FakeProcess[] = [];
  /** Port → the process listening on it. */
  readonly ports = new Map<number, FakeProcess>();
  tornDown = false;
  /** The scripts given to `setPreviewScript`, in order (each one is put into every preview page). */
  readonly previewScripts: Array<{ source: string; options?: unknown }> = [];
  #tab: FakeTab;
  #volume = new Volume();
  #fs = createFsFromVolume(this.#volume).promises;
  #listeners = new Map<string, Set<Listener>>();
  readonly fs;

  constructor(tab: FakeTab, workdirName: string) {
    this.#tab = tab;
    this.workdir = `/home/${workdirName}`;
    this.#volume.mkdirSync(this.workdir, { recursive: true });
    const at = (path: string) => posix.resolve(this.workdir, path);
    const live = <A extends unknown[], R>(call: (...args: A) => Promise<R>) => (...args: A) => (this.#usable(), call(...args));
    this.fs = {
      readFile: live((path: string, encoding?: string) => this.#fs.readFile(at(path), encoding as 'utf8') as Promise<string | Uint8Array>),
      writeFile: live((path: string, data: string | Uint8Array) => this.#fs.writeFile(at(path), data)),
      mkdir: live((path: string, options?: { recursive?: boolean }) => this.#fs.mkdir(at(path), options) as Promise<unknown>),
      readdir: live(async (path: string) => (await this.#fs.readdir(at(path))).map(String)),
      rm: live((path: string, options?: { recursive?: boolean; force?: boolean }) => this.#fs.rm(at(path), options)),
      rename: live((from: string, to: string) => this.#fs.rename(at(from), at(to))),
    };
  }

  /** Paths of the files under the workdir (node_modules and dotfiles too). */
  files(): string[] {
    const out: string[] = [];
    const walk = (dir: string) => {
      for (const name of this.#volume.readdirSync(dir) as string[]) {
        const full = `${dir}/${name}`;
        if (this.#volume.statSync(full).isDirectory()) walk(full);
        else out.push(posix.relative(this.workdir, full));
      }
    };
    walk(this.workdir);
    return out.sort();
  }

  /** Processes still running (spawned by anyone in this instance). */
  running(): string[] {
    return this.processes.filter((p) => !p.ended).map((p) => p.command);
  }

  on(event: string, listener: Listener) {
    this.#usable();
    const set = this.#listeners.get(event) ?? new Set();
    this.#listeners.set(event, set);
    set.add(listener);
    return () => void set.delete(listener);
  }

  emit(event: string, ...args: unknown[]) {
    for (const listener of this.#listeners.get(event) ?? []) (listener as (...a: unknown[]) => void)(...args);
  }

  async spawn(command: string, args: string[] = []): Promise<FakeProcess> {
    this.#usable();
    const line = command === 'jsh' && args[0] === '-c' ? args[1] : [command, ...args].join(' ');
    const program = this.#tab.programs.get(line) ?? {};
    let push!: (chunk: string) => void;
    let close!: () => void;
    const output = new ReadableStream<string>({
      start: (controller) => {
        push = (chunk) => controller.enqueue(chunk);
        close = () => controller.close();
      },
    });
    let finish!: (code: number) => void;
    const exit = new Promise<number>((resolve) => (finish = resolve));
    const process: FakeProcess = {
      command: line,
      killed: false,
      ended: false,
      exit,
      output,
      input: new WritableStream(),
      resize() {},
      kill: () => {
        process.killed = true;
        if (!program.unkillable) setTimeout(() => end(143), 1);
      },
    };
    const end = (code: number) => {
      if (process.ended) return;
      process.ended = true;
      for (const [port, owner] of this.ports) {
        if (owner !== process) continue;
        this.ports.delete(port);
        this.emit('port', port, 'close', this.#url(port));
      }
      close();
      finish(code);
    };
    this.processes.push(process);
    setTimeout(async () => {
      if (process.ended) return;
      push(program.output ?? `ran ${line}\r\n`);
      for (const [path, content] of Object.entries(program.creates ?? {})) {
        await this.#fs.mkdir(posix.dirname(posix.resolve(this.workdir, path)), { recursive: true });
        await this.#fs.writeFile(posix.resolve(this.workdir, path), content);
      }
      if (program.background !== undefined) {
        const orphan: FakeProcess = { command: `${line} (background)`, killed: false, ended: false, exit: new Promise(() => {}), output: new ReadableStream(), input: new WritableStream(), resize() {}, kill() {} };
        this.processes.push(orphan);
        this.ports.set(program.background, orphan);
        this.emit('port', program.background, 'open', this.#url(program.background));
        this.emit('server-ready', program.background, this.#url(program.background));
      }
      if (program.listen !== undefined) {
        if (this.ports.has(program.listen)) {
          push(`Error: listen EADDRINUSE: address already in use :::${program.listen}\r\n`);
          return end(1);
        }
        this.ports.set(program.listen, process);
        this.emit('port', program.listen, 'open', this.#url(program.listen));
        this.emit('server-ready', program.listen, this.#url(program.listen));
        return;
      }
      if (!program.forever) end(program.exitCode ?? 0);
    }, 1);
    return process;
  }

  async setPreviewScript(source: string, options?: unknown): Promise<void> {
    this.#usable();
    if (this.#tab.previewScriptFailure) throw this.#tab.previewScriptFailure;
    this.previewScripts.push({ source, options });
  }

  async export(path: string, options: { format?: 'json'; excludes?: string[] } = {}) {
    this.#usable();
    const excluded = (options.excludes ?? []).map(globToRegExp);
    const walk = (dir: string): Record<string, unknown> => {
      const tree: Record<string, unknown> = {};
      for (const name of this.#volume.readdirSync(dir) as string[]) {
        const full = `${dir}/${name}`;
        const relative = posix.relative(this.workdir, full);
        if (excluded.some((pattern) => pattern.test(relative) || pattern.test(`${relative}/`))) continue;
        if (this.#volume.statSync(full).isDirectory()) tree[name] = { directory: walk(full) };
        else {
          const bytes = this.#volume.readFileSync(full) as Buffer;
          // The real export gives text as a string and binary content as bytes.
          tree[name] = { file: { contents: bytes.includes(0) ? new Uint8Array(bytes) : bytes.toString('utf8') } };
        }
      }
      return tree;
    };
    return walk(posix.resolve(this.workdir, path));
  }

  teardown() {
    if (this.tornDown) throw new Error('WebContainer already torn down');
    this.tornDown = true;
    for (const process of this.processes) {
      if (process.ended) continue;
      process.ended = true;
      process.killed = true;
    }
    this.ports.clear();
    this.#listeners.clear();
    this.#tab.tornDown(this, new Promise((resolve) => setTimeout(resolve, 1)));
  }

  #usable() {
    // What a call on a released Comlink proxy throws once the instance is torn down.
    if (this.tornDown) throw new Error('Proxy has been released and is not useable');
  }

  #url(port: number) {
    return `https://fake--${port}--a1b2c3d4.local-credentialless.webcontainer-api.io`;
  }
}

/** `**` any depth, `*` within one segment: enough for the exclude patterns the runtime passes. */
function globToRegExp(glob: string): RegExp {
  const body = glob
    .split('**')
    .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[^/]*'))
    .join('.*');
  return new RegExp(`^${body.replace(/^\.\*\//, '(?:.*/)?')}$`);
}
