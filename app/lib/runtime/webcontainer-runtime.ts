import type { FileSystemTree, WebContainer } from '@webcontainer/api';
import { RuntimeUnavailableError, type CommandOptions, type PreviewInfo, type Runtime, type RuntimeCapabilities, type RunningProcess } from './runtime';
import { errorMessage } from '../error-message';
import { outputTail, whereFrom, type ProblemReport } from '../problems/problem';

/** Offline, the boot neither succeeds nor fails (it waits for StackBlitz's servers): give up after this. */
export const BOOT_TIMEOUT_MS = 20_000;
/** How long a replaced server gets to exit and free its port. */
const SERVER_STOP_MS = 5_000;
const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

// One WebContainer per tab: the API allows a single instance, and booting costs seconds.
let booting: Promise<WebContainer> | undefined;

type Loader = () => Promise<{ WebContainer: typeof WebContainer }>;

/** Where WebContainer loads its runtime from (the API's default editor origin). */
const RUNTIME_ORIGIN = 'https://stackblitz.com';

/**
 * Resolves if the runtime's servers answer at all. A network error here means the boot can only
 * hang, so the runtime gives up at once instead of after the boot timeout.
 */
async function probeRuntimeServers(): Promise<void> {
  try {
    await fetch(`${RUNTIME_ORIGIN}/headless`, { mode: 'no-cors', cache: 'no-store', signal: AbortSignal.timeout(BOOT_TIMEOUT_MS) });
  } catch (error) {
    if (error instanceof DOMException && error.name === 'TimeoutError') return;
    throw new RuntimeUnavailableError(`StackBlitz's servers (${RUNTIME_ORIGIN}), which WebContainer loads its runtime from, cannot be reached from this browser`);
  }
}

/** Runs the project inside the tab with StackBlitz's WebContainer (Node.js in WebAssembly). */
export class WebContainerRuntime implements Runtime {
  readonly kind = 'browser' as const;
  /** Files live in the tab and previews are the tab's own: nothing to read back or share; the preview's errors are forwarded. */
  readonly capabilities: RuntimeCapabilities = {
    onProblem: (listener) => {
      this.#problemListeners.add(listener);
      return () => this.#problemListeners.delete(listener);
    },
  };
  #problemListeners = new Set<(problem: ProblemReport) => void>();
  #load: Loader;
  #probe: () => Promise<void>;
  #timeoutMs: number;
  #listeners = new Set<(preview: PreviewInfo) => void>();
  #unsubscribe: Array<() => void> = [];
  #container?: Promise<WebContainer>;
  /** The app's server (the latest start) and the first port it opened: a new start stops it first. */
  #server?: { kill: () => void; exit: Promise<number>; port?: number };
  #openPorts = new Set<number>();
  #portClosed = new Set<(port: number) => void>();

  constructor(options: { load?: Loader; probe?: () => Promise<void>; timeoutMs?: number } = {}) {
    this.#load = options.load ?? (() => import('@webcontainer/api'));
    this.#probe = options.probe ?? probeRuntimeServers;
    this.#timeoutMs = options.timeoutMs ?? BOOT_TIMEOUT_MS;
  }

  ready(): Promise<void> {
    return this.#boot().then(() => undefined);
  }

  #boot(): Promise<WebContainer> {
    this.#container ??= (async () => {
      if (typeof window !== 'undefined' && !window.crossOriginIsolated) {
        throw new RuntimeUnavailableError('this page is not cross-origin isolated (the server must send COOP and COEP headers)');
      }
      booting ??= this.#load().then(({ WebContainer }) => WebContainer.boot({ coep: 'credentialless', workdirName: 'project', forwardPreviewErrors: true }));
      const unreachable = this.#probe().then(() => new Promise<never>(() => {}));
      const container = await withTimeout(Promise.race([booting, unreachable]), this.#timeoutMs).catch((error: unknown) => {
        booting = undefined;
        if (error instanceof RuntimeUnavailableError) throw error;
        throw new RuntimeUnavailableError(errorMessage(error));
      });
      this.#unsubscribe.push(
        container.on('server-ready', (port, url) => this.#emit({ port, url })),
        container.on('port', (port, type, url) => {
          if (type === 'open') {
            this.#openPorts.add(port);
            if (this.#server && this.#server.port === undefined) this.#server.port = port;
            this.#emit({ port, url });
          } else {
            this.#openPorts.delete(port);
            for (const listener of this.#portClosed) listener(port);
          }
        }),
        container.on('preview-message', (message) => {
          const problem = previewProblem(message);
          for (const listener of this.#problemListeners) listener(problem);
        }),
      );
      return container;
    })();
    return this.#container;
  }

  async writeFiles(files: Record<string, string>) {
    const container = await this.#boot();
    for (const [path, content] of Object.entries(files)) {
      const dir = path.split('/').slice(0, -1).join('/');
      if (dir) await container.fs.mkdir(dir, { recursive: true });
      await container.fs.writeFile(path, content);
    }
  }

  async removePaths(paths: string[]) {
    const container = await this.#boot();
    for (const path of paths) await container.fs.rm(path, { recursive: true, force: true });
  }

  async exec(command: string, options: CommandOptions) {
    const process = await this.#spawn(command, options);
    const abort = () => process.kill();
    options.signal?.addEventListener('abort', abort, { once: true });
    try {
      return { exitCode: await process.exit };
    } finally {
      options.signal?.removeEventListener('abort', abort);
    }
  }

  /** Starts the app's server; one started before is stopped first and its port given time to close (a follow-up's server takes it). */
  async start(command: string, options: CommandOptions): Promise<RunningProcess> {
    await this.#stopServer();
    const process = await this.#spawn(command, options);
    const server = { kill: () => process.kill(), exit: process.exit };
    this.#server = server;
    void process.exit.then(
      () => this.#server === server && (this.#server = undefined),
      () => this.#server === server && (this.#server = undefined),
    );
    return server;
  }

  async #stopServer() {
    const server = this.#server;
    if (!server) return;
    this.#server = undefined;
    server.kill();
    await Promise.race([server.exit.catch(() => 0), delay(SERVER_STOP_MS)]);
    const port = server.port;
    if (port === undefined || !this.#openPorts.has(port)) return;
    await new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.#portClosed.delete(onClose);
        resolve();
      };
      const onClose = (closed: number) => closed === port && done();
      const timer = setTimeout(done, SERVER_STOP_MS);
      this.#portClosed.add(onClose);
    });
  }

  async #spawn(command: string, options: CommandOptions) {
    const container = await this.#boot();
    const process = await container.spawn('jsh', ['-c', command], { env: { npm_config_yes: 'true' } });
    void process.output.pipeTo(new WritableStream({ write: (chunk) => options.onOutput(chunk) })).catch(() => {});
    return process;
  }

  onPreview(listener: (preview: PreviewInfo) => void) {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  async readTree(): Promise<Record<string, string>> {
    const container = await this.#boot();
    const tree = await container.export('.', { format: 'json', excludes: ['node_modules/**', '.git/**'] });
    const files: Record<string, string> = {};
    flatten(tree, '', files);
    return files;
  }

  async dispose() {
    for (const unsubscribe of this.#unsubscribe) unsubscribe();
    this.#unsubscribe = [];
    this.#listeners.clear();
  }

  #emit(preview: PreviewInfo) {
    for (const listener of this.#listeners) listener(preview);
  }
}

function flatten(tree: FileSystemTree, prefix: string, out: Record<string, string>) {
  for (const [name, node] of Object.entries(tree)) {
    const path = prefix ? `${prefix}/${name}` : name;
    if ('directory' in node) flatten(node.directory, path, out);
    else if ('file' in node && 'contents' in node.file && typeof node.file.contents === 'string') out[path] = node.file.contents;
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new RuntimeUnavailableError(`it did not boot within ${Math.round(ms / 1000)} seconds (WebContainer loads its runtime from StackBlitz's servers, which may be unreachable)`)),
      ms,
    );
    promise.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        clearTimeout(timer);
        reject(error);
      },
    );
  });
}

/** Test hook: forget the per-tab boot so a fake can be booted again. */
export function resetWebContainerBootForTests() {
  booting = undefined;
}

/** WebContainer's forwarded preview error, as a problem the page reported (the page wrote it: untrusted). */
export function previewProblem(message: { type: string; message?: string; stack?: string; args?: unknown[] }): ProblemReport {
  const stack = message.stack ?? '';
  const text =
    message.type === 'PREVIEW_CONSOLE_ERROR'
      ? (message.args ?? []).map((arg) => (typeof arg === 'string' ? arg : JSON.stringify(arg))).join(' ')
      : `${message.type === 'PREVIEW_UNHANDLED_REJECTION' ? 'Unhandled rejection: ' : ''}${message.message ?? 'Unknown error'}`;
  return { kind: 'runtime', origin: 'page', message: text.slice(0, 2000), where: whereFrom(stack), output: stack ? outputTail(stack) : undefined };
}
