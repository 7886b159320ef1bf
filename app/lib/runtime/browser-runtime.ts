import { errorMessage } from '../error-message';
import type { ProblemReport } from '../problems/problem';
import { RuntimeUnavailableError, type CommandOptions, type PreviewInfo, type Runtime, type RuntimeCapabilities } from './runtime';
import type { WebContainerRuntime } from './webcontainer-runtime';

/** Offline, the boot neither succeeds nor fails (it waits for StackBlitz's servers): give up after this. */
export const BOOT_TIMEOUT_MS = 20_000;
/**
 * How long the in-browser runtime waits for StackBlitz's servers to answer before it loads its code
 * (and WebContainer's API) anyway: a slow answer is no reason to wait, but where they cannot be
 * reached (a network error comes at once) nothing is downloaded for a runtime that cannot boot.
 */
export const PROBE_HEAD_START_MS = 1_500;

/** Where WebContainer loads its runtime from (the API's default editor origin). */
const RUNTIME_ORIGIN = 'https://stackblitz.com';

/**
 * Resolves if the runtime's servers answer at all. A network error here means the boot can only
 * hang, so the runtime gives up at once instead of after the boot timeout.
 */
export async function probeRuntimeServers(): Promise<void> {
  try {
    await fetch(`${RUNTIME_ORIGIN}/headless`, { mode: 'no-cors', cache: 'no-store', signal: AbortSignal.timeout(BOOT_TIMEOUT_MS) });
  } catch (error) {
    if (error instanceof DOMException && error.name === 'TimeoutError') return;
    throw new RuntimeUnavailableError(`StackBlitz's servers (${RUNTIME_ORIGIN}), which WebContainer loads its runtime from, cannot be reached from this browser`);
  }
}

/** WebContainer needs SharedArrayBuffer, which only a cross-origin isolated page has. */
export function assertCrossOriginIsolated() {
  if (typeof window !== 'undefined' && !window.crossOriginIsolated) {
    throw new RuntimeUnavailableError('this page is not cross-origin isolated (the server must send COOP and COEP headers)');
  }
}

const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

type Load = () => Promise<{ WebContainerRuntime: typeof WebContainerRuntime }>;

/**
 * The in-browser runtime as a chat gets it: WebContainerRuntime (./webcontainer-runtime.ts), whose
 * code and WebContainer's API load only once the page is cross-origin isolated and StackBlitz's
 * servers have answered (or not refused within PROBE_HEAD_START_MS). Where it cannot boot, as
 * where those servers are out of reach, the chat moves to a cloud sandbox without having
 * downloaded either. Everything else is the loaded runtime's.
 */
export class BrowserRuntime implements Runtime {
  readonly kind = 'browser' as const;
  readonly capabilities: RuntimeCapabilities = {
    readBack: true,
    readOutput: async (dirs) => (await this.#runtime()).capabilities.readOutput!(dirs),
    onProblem: (listener) => {
      this.#problemListeners.add(listener);
      return () => this.#problemListeners.delete(listener);
    },
  };
  #load: Load;
  #probe: () => Promise<void>;
  #headStartMs: number;
  #loaded?: Promise<WebContainerRuntime>;
  #disposed = false;
  #previewListeners = new Set<(preview: PreviewInfo) => void>();
  #problemListeners = new Set<(problem: ProblemReport) => void>();

  constructor(options: { load?: Load; probe?: () => Promise<void>; headStartMs?: number } = {}) {
    this.#load = options.load ?? (() => import('./webcontainer-runtime'));
    this.#probe = options.probe ?? probeRuntimeServers;
    this.#headStartMs = options.headStartMs ?? PROBE_HEAD_START_MS;
  }

  #runtime(): Promise<WebContainerRuntime> {
    this.#loaded ??= (async () => {
      assertCrossOriginIsolated();
      const reachable = this.#probe();
      reachable.catch(() => {}); // the runtime below hears of it too
      await Promise.race([reachable, delay(this.#headStartMs)]);
      if (this.#disposed) throw new RuntimeUnavailableError('its chat was closed');
      const { WebContainerRuntime } = await this.#load().catch((error: unknown) => {
        throw new RuntimeUnavailableError(`its code could not be loaded (${errorMessage(error)})`);
      });
      if (this.#disposed) throw new RuntimeUnavailableError('its chat was closed');
      // The same probe: no second request, and a late "unreachable" still ends the boot at once.
      const runtime = new WebContainerRuntime({ probe: () => reachable });
      runtime.onPreview((preview) => this.#previewListeners.forEach((listener) => listener(preview)));
      runtime.capabilities.onProblem?.((problem) => this.#problemListeners.forEach((listener) => listener(problem)));
      return runtime;
    })();
    return this.#loaded;
  }

  async ready() {
    await (await this.#runtime()).ready();
  }

  async writeFiles(files: Record<string, string>) {
    await (await this.#runtime()).writeFiles(files);
  }

  async removePaths(paths: string[]) {
    await (await this.#runtime()).removePaths(paths);
  }

  async exec(command: string, options: CommandOptions) {
    return (await this.#runtime()).exec(command, options);
  }

  async start(command: string, options: CommandOptions) {
    return (await this.#runtime()).start(command, options);
  }

  async readTree() {
    return (await this.#runtime()).readTree();
  }

  onPreview(listener: (preview: PreviewInfo) => void) {
    this.#previewListeners.add(listener);
    return () => this.#previewListeners.delete(listener);
  }

  async dispose() {
    if (this.#disposed) return;
    this.#disposed = true;
    this.#previewListeners.clear();
    this.#problemListeners.clear();
    await this.#loaded?.then(
      (runtime) => runtime.dispose(),
      () => {},
    );
  }
}
