import type { CommandOptions, PreviewInfo, Runtime, RuntimeCapabilities, RunningProcess } from '~/lib/runtime/runtime';
import { RuntimeUnavailableError } from '~/lib/runtime/runtime';

type Script = { output?: string; exitCode?: number; waitFor?: Promise<void> };

/** An in-memory Runtime for tests: records every call and runs scripted commands. */
export class FakeRuntime implements Runtime {
  readonly kind: Runtime['kind'];
  /** None by default; a test gives the ones it needs. */
  capabilities: RuntimeCapabilities = {};
  readonly files: Record<string, string> = {};
  readonly log: string[] = [];
  readonly servers: Array<{ command: string; killed: boolean; ended: boolean; finish: (code: number) => void }> = [];
  scripts = new Map<string, Script>();
  /** Each writeFiles call's paths, in order. */
  readonly batches: string[][] = [];
  /** While set, writes wait for it before they land. */
  writeGate?: Promise<void>;
  /** While set, writes fail with this message. */
  failWrites?: string;
  #previewListeners = new Set<(p: PreviewInfo) => void>();
  #ready: Promise<void>;

  /** The exit code of a server a later start replaces (a Local sandbox kills it: 137). */
  readonly replacedExitCode: number;

  constructor(options: { failBoot?: string; kind?: Runtime['kind']; replacedExitCode?: number } = {}) {
    this.kind = options.kind ?? 'browser';
    this.replacedExitCode = options.replacedExitCode ?? 143;
    this.#ready = options.failBoot ? Promise.reject(new RuntimeUnavailableError(options.failBoot)) : Promise.resolve();
    this.#ready.catch(() => {});
  }

  ready() {
    return this.#ready;
  }

  async writeFiles(files: Record<string, string>) {
    this.batches.push(Object.keys(files));
    await this.writeGate;
    if (this.failWrites) throw new Error(this.failWrites);
    for (const [path, content] of Object.entries(files)) {
      this.files[path] = content;
      this.log.push(`write ${path}`);
    }
  }

  async removePaths(paths: string[]) {
    for (const path of paths) {
      delete this.files[path];
      this.log.push(`remove ${path}`);
    }
  }

  async exec(command: string, options: CommandOptions) {
    this.log.push(`exec ${command}`);
    const script = this.scripts.get(command) ?? {};
    if (script.waitFor) {
      const aborted = new Promise<'aborted'>((resolve) => options.signal?.addEventListener('abort', () => resolve('aborted'), { once: true }));
      if ((await Promise.race([script.waitFor, aborted])) === 'aborted') {
        this.log.push(`killed ${command}`);
        return { exitCode: 130 };
      }
    }
    if (script.output) options.onOutput(script.output);
    this.log.push(`done ${command}`);
    return { exitCode: script.exitCode ?? 0 };
  }

  /** As the real runtimes do: a start stops the server started before (killed, exit 143). */
  async start(command: string, options: CommandOptions): Promise<RunningProcess> {
    const running = this.servers.at(-1);
    if (running && !running.ended) {
      running.killed = true;
      running.finish(this.replacedExitCode);
      this.log.push(`stop ${running.command}`);
    }
    this.log.push(`start ${command}`);
    let finish!: (code: number) => void;
    const exit = new Promise<number>((resolve) => (finish = resolve));
    const server = { command, killed: false, ended: false, finish: (code: number) => ((server.ended = true), finish(code)) };
    this.servers.push(server);
    options.onOutput(`serving ${command}\n`);
    return {
      exit,
      kill: () => {
        server.killed = true;
        finish(143);
      },
    };
  }

  emitPreview(preview: PreviewInfo) {
    for (const listener of this.#previewListeners) listener(preview);
  }

  onPreview(listener: (p: PreviewInfo) => void) {
    this.#previewListeners.add(listener);
    return () => this.#previewListeners.delete(listener);
  }

  async readTree() {
    return { ...this.files };
  }

  async dispose() {}
}
