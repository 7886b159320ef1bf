import type { FileSystemTree, WebContainer } from '@webcontainer/api';
import { RuntimeUnavailableError, type BuildOutput, type CommandOptions, type PreviewInfo, type Runtime, type RuntimeCapabilities, type RunningProcess } from './runtime';
import { errorMessage } from '../error-message';
import { toBase64 } from '../sandbox/sandbox-client';
import { outputTail, whereFrom, type ProblemReport } from '../problems/problem';
import { assertCrossOriginIsolated, BOOT_TIMEOUT_MS, probeRuntimeServers } from './browser-runtime';
import { claimTabContainer, forgetTabContainerForTests, releaseTabContainer, STOP_WAIT_MS, type TabContainer } from './webcontainer-tab';
/** Read-back limits, the cloud runtime's (its readTree): bigger files and the rest stay out of the project. */
const READ_BACK_MAX_FILE_BYTES = 256 * 1024;
const READ_BACK_MAX_FILES = 2000;
/** What is never read back (both forms: a pattern for the top level and one for any depth). */
const READ_BACK_EXCLUDES = ['node_modules', '.git', '.cache', '.npm'].flatMap((name) => [`${name}/**`, `**/${name}/**`]);
const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

type Loader = () => Promise<{ WebContainer: typeof WebContainer }>;

/**
 * Runs the project inside the tab with StackBlitz's WebContainer (Node.js in WebAssembly). The
 * tab's one instance is shared by the chats opened in it one after the other: this runtime claims
 * it clean when it boots and releases it (processes killed, files removed) when it is disposed.
 * Chats get it through BrowserRuntime (./browser-runtime.ts), which loads this module when it can boot.
 */
export class WebContainerRuntime implements Runtime {
  readonly kind = 'browser' as const;
  /** Commands create files (scaffolders, lockfiles) that come back as in the cloud; the preview's errors are forwarded. */
  readonly capabilities: RuntimeCapabilities = {
    readBack: true,
    readOutput: async (dirs) => {
      const container = await this.#container();
      for (const dir of dirs) {
        const found = await container.fs.readFile(`${dir}/index.html`).then(() => true, () => false);
        if (!found) continue;
        const files: BuildOutput['files'] = [];
        collectBytes(await container.export(dir, { format: 'json' }), '', files);
        return { dir, files };
      }
      return null;
    },
    onProblem: (listener) => {
      this.#problemListeners.add(listener);
      return () => this.#problemListeners.delete(listener);
    },
  };
  #problemListeners = new Set<(problem: ProblemReport) => void>();
  #load: Loader;
  #probe: () => Promise<void>;
  #timeoutMs: number;
  /** How long a killed server (a replaced one, or the previous chat's) gets to exit and free its port. */
  #stopWaitMs: number;
  #listeners = new Set<(preview: PreviewInfo) => void>();
  #unsubscribe: Array<() => void> = [];
  #tab?: Promise<TabContainer>;
  #disposed = false;
  /** File writes and removals under way: a release waits for them, so none lands in the next chat's workdir. */
  #writes = new Set<Promise<unknown>>();
  /** The app's server (the latest start) and the first port it opened: a new start stops it first. */
  #server?: { kill: () => void; exit: Promise<number>; port?: number };

  constructor(options: { load?: Loader; probe?: () => Promise<void>; timeoutMs?: number; stopWaitMs?: number } = {}) {
    this.#load = options.load ?? (() => import('@webcontainer/api'));
    this.#probe = options.probe ?? probeRuntimeServers;
    this.#timeoutMs = options.timeoutMs ?? BOOT_TIMEOUT_MS;
    this.#stopWaitMs = options.stopWaitMs ?? STOP_WAIT_MS;
  }

  ready(): Promise<void> {
    return this.#claim().then(() => undefined);
  }

  #bootContainer = async () => {
    const { WebContainer } = await this.#load();
    const container = await WebContainer.boot({ coep: 'credentialless', workdirName: 'project', forwardPreviewErrors: true });
    await installPreviewScript(container);
    return container;
  };

  #claim(): Promise<TabContainer> {
    this.#tab ??= (async () => {
      assertCrossOriginIsolated();
      const claim = claimTabContainer(this.#bootContainer, this, () => this.#disposed, this.#stopWaitMs);
      const unreachable = this.#probe().then(() => new Promise<never>(() => {}));
      const tab = await withTimeout(Promise.race([claim, unreachable]), this.#timeoutMs).catch((error: unknown) => {
        if (error instanceof RuntimeUnavailableError) throw error;
        throw new RuntimeUnavailableError(errorMessage(error));
      });
      const container = tab.container;
      // Closed while it waited: nothing to listen to (the release still runs).
      if (this.#disposed) return tab;
      this.#unsubscribe.push(
        container.on('server-ready', (port, url) => this.#emit({ port, url })),
        container.on('port', (port, type, url) => {
          if (type !== 'open') return;
          if (this.#server && this.#server.port === undefined) this.#server.port = port;
          this.#emit({ port, url });
        }),
        container.on('preview-message', (message) => {
          const problem = previewProblem(message);
          for (const listener of this.#problemListeners) listener(problem);
        }),
      );
      return tab;
    })();
    return this.#tab;
  }

  /** The container, while this runtime's chat holds it. */
  async #container(): Promise<WebContainer> {
    const tab = await this.#claim();
    if (this.#disposed || tab.owner !== this) throw new RuntimeUnavailableError('this chat no longer holds the in-browser runtime (another chat was opened in this tab)');
    return tab.container;
  }

  writeFiles(files: Record<string, string>) {
    return this.#write(async () => {
      for (const [path, content] of Object.entries(files)) {
        const dir = path.split('/').slice(0, -1).join('/');
        if (dir) await (await this.#container()).fs.mkdir(dir, { recursive: true });
        await (await this.#container()).fs.writeFile(path, content);
      }
    });
  }

  removePaths(paths: string[]) {
    return this.#write(async () => {
      for (const path of paths) await (await this.#container()).fs.rm(path, { recursive: true, force: true });
    });
  }

  #write(work: () => Promise<void>): Promise<void> {
    const write = work();
    this.#writes.add(write);
    const done = () => this.#writes.delete(write);
    write.then(done, done);
    return write;
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
    await Promise.race([server.exit.catch(() => 0), delay(this.#stopWaitMs)]);
    if (server.port !== undefined) await (await this.#claim()).portClosed(server.port, this.#stopWaitMs);
  }

  async #spawn(command: string, options: CommandOptions) {
    const container = await this.#container();
    const process = await container.spawn('jsh', ['-c', command], { env: { npm_config_yes: 'true' } });
    (await this.#claim()).track(process);
    void process.output.pipeTo(new WritableStream({ write: (chunk) => options.onOutput(chunk) })).catch(() => {});
    return process;
  }

  onPreview(listener: (preview: PreviewInfo) => void) {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  async readTree(): Promise<Record<string, string>> {
    const container = await this.#container();
    const tree = await container.export('.', { format: 'json', excludes: READ_BACK_EXCLUDES });
    const files: Record<string, string> = {};
    flatten(tree, '', files);
    return files;
  }

  /** The chat closed (or moved to the cloud): nothing it started runs on, and nothing of it stays in the workdir. */
  async dispose() {
    if (this.#disposed) return;
    this.#disposed = true;
    for (const unsubscribe of this.#unsubscribe) unsubscribe();
    this.#unsubscribe = [];
    this.#listeners.clear();
    this.#problemListeners.clear();
    // Queued at once, before any chat opened after this one can claim the container.
    if (this.#tab) await releaseTabContainer(this.#tab, this, Promise.allSettled([...this.#writes]), this.#stopWaitMs);
  }

  #emit(preview: PreviewInfo) {
    if (this.#disposed) return;
    for (const listener of this.#listeners) listener(preview);
  }
}

/** How long the boot waits for the preview script to be taken (it is never worth failing the boot for). */
const PREVIEW_SCRIPT_WAIT_MS = 5_000;

/**
 * Puts the problem reporter and the element picker into every page of the preview, once per boot
 * (not per chat's claim: the scripts set stay with the instance, and a second one could run the
 * picker twice). They post only to a parent at this page's host. Without it the runtime
 * still works (no picker, problems from WebContainer's own forwarding only), so a failure is
 * logged, not thrown.
 */
async function installPreviewScript(container: WebContainer) {
  if (typeof location === 'undefined' || !location.host) return;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${PREVIEW_SCRIPT_WAIT_MS / 1000} seconds`)), PREVIEW_SCRIPT_WAIT_MS);
  });
  try {
    // The script's source loads only here, once WebContainer has booted.
    const { previewScriptSource } = await import('../problems/preview-reporter');
    await Promise.race([container.setPreviewScript(previewScriptSource({ appHost: location.host })), late]);
  } catch (error) {
    console.warn(`The preview script (problem reporter and element picker) could not be installed in WebContainer: ${errorMessage(error)}`);
  } finally {
    clearTimeout(timer);
  }
}

/** Every file of an exported tree, its bytes as base64 (text is encoded as UTF-8). */
function collectBytes(tree: FileSystemTree, prefix: string, out: BuildOutput['files']) {
  for (const [name, node] of Object.entries(tree)) {
    const path = prefix ? `${prefix}/${name}` : name;
    if ('directory' in node) collectBytes(node.directory, path, out);
    else if ('file' in node && 'contents' in node.file) {
      const { contents } = node.file;
      out.push({ path, content: toBase64(typeof contents === 'string' ? new TextEncoder().encode(contents) : contents) });
    }
  }
}

/** Text files only (binary ones come as bytes), within the read-back limits. */
function flatten(tree: FileSystemTree, prefix: string, out: Record<string, string>) {
  for (const [name, node] of Object.entries(tree)) {
    if (Object.keys(out).length >= READ_BACK_MAX_FILES) return;
    if (SKIPPED_DIRECTORIES.has(name)) continue;
    const path = prefix ? `${prefix}/${name}` : name;
    if ('directory' in node) flatten(node.directory, path, out);
    else if ('file' in node && 'contents' in node.file && typeof node.file.contents === 'string' && utf8Bytes(node.file.contents) <= READ_BACK_MAX_FILE_BYTES) out[path] = node.file.contents;
  }
}

const SKIPPED_DIRECTORIES = new Set(['node_modules', '.git', '.cache', '.npm']);
const utf8Bytes = (text: string) => new TextEncoder().encode(text).byteLength;

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

/** Test hook: a new tab, whose WebContainer is booted again. */
export function resetWebContainerBootForTests() {
  forgetTabContainerForTests();
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
