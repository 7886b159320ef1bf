import { Daytona, type Image, type Sandbox } from '@daytonaio/sdk';
import { parseListeningPorts } from '../listening-ports';
import { STATE_TEMP_PREFIX } from '../sandbox-state.server';
import { PUBLISHED_LABEL } from '../sandbox-lifecycle.server';
import { randomHex } from '../tokens.server';
import type { ServerEnv } from '../../env.server';
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
  type TreeEntry,
} from '../sandbox-provider.server';
import { followCommand } from './daytona-command-logs.server';
import { SandboxNotStartedError, withRateLimitRetry, type RetryOptions } from './daytona-errors.server';
import { daytonaCreation, type DaytonaCreation, type Resources } from './daytona-resources.server';
import type { DaytonaResourceEnv } from './daytona-settings.server';
import { appState, isGone, SandboxWaker, type SandboxRestart } from './daytona-restart.server';

export type { SandboxRestart };

export interface DaytonaProviderOptions {
  apiKey: string;
  apiUrl: string;
  target?: string;
  /** A snapshot with common dependencies preinstalled (its size is the snapshot's). */
  snapshot?: string;
  /** The size of new sandboxes; Daytona takes one only for sandboxes made from an image (`image`), never with `snapshot`. */
  resources?: Resources;
  /** The image sized sandboxes are made from (default: defaultImage()). */
  image?: string | Image;
  /** Minutes of inactivity before Daytona stops a sandbox: the second safety net behind our reaper. */
  idleTtlMin: number;
  /** Minutes a stopped sandbox is kept before Daytona deletes it (our reaper's SANDBOX_DELETE_AFTER_HOURS; default twice the idle time). */
  deleteAfterMin?: number;
  /** Poll sandbox state instead of the SDK's event socket (tests; environments without WebSockets). */
  polling?: boolean;
  retry?: Partial<RetryOptions>;
  /** How often to poll a command's state when its log socket is unavailable. */
  pollIntervalMs?: number;
  /** How long creation may take, in seconds, before it is reported as timed out (an image's first build takes longer). */
  createTimeoutS?: number;
  /** Seconds a sandbox Daytona stopped may take to start again (default 60), and an archived one to be restored (default 300). */
  startTimeoutS?: number;
  archivedStartTimeoutS?: number;
  /** Told when a sandbox Daytona stopped or archived is started again for a call, so the app can say "restarting". */
  onRestart?: (event: SandboxRestart) => void;
}

/** Projects live here, relative to the sandbox's working directory. */
const PROJECT = 'project';
/** The port apps are told to listen on (PORT); any other listening port is found too. */
const APP_PORT = 3000;
/** The longest one file's download may take. */
const FILE_READ_TIMEOUT_S = 300;
/** The SDK's refusal to stream a download outside Node (downloadFileStream). */
const STREAMING_UNSUPPORTED = /not supported in browser or serverless/;
/** Ports of Daytona's own daemons, never the app's. */
const DAEMON_PORTS = new Set([2280, 22220, 22222, 33333]);

/** The Daytona provider the configuration describes (DAYTONA_CPU, DAYTONA_MEMORY_GB, DAYTONA_DISK_GB and DAYTONA_IMAGE once env.server.ts reads them). */
export function daytonaProvider(env: ServerEnv & Partial<DaytonaResourceEnv>): DaytonaProvider {
  return new DaytonaProvider({
    apiKey: env.DAYTONA_API_KEY!,
    apiUrl: env.DAYTONA_API_URL,
    target: env.DAYTONA_TARGET,
    snapshot: env.DAYTONA_SNAPSHOT,
    resources: { cpu: env.DAYTONA_CPU, memory: env.DAYTONA_MEMORY_GB, disk: env.DAYTONA_DISK_GB },
    image: env.DAYTONA_IMAGE,
    idleTtlMin: env.SANDBOX_IDLE_TTL_MIN,
    deleteAfterMin: env.SANDBOX_DELETE_AFTER_HOURS * 60,
  });
}

/**
 * Cloud sandboxes through the real Daytona SDK. Long commands run as session commands with
 * runAsync and streamed logs (polling when the log socket fails); previews go through our proxy
 * with the preview token kept on the server. A sandbox Daytona stopped or archived is started
 * again by the next call that needs it running (not by preview traffic).
 */
export class DaytonaProvider implements SandboxProvider {
  readonly name = 'daytona' as const;
  readonly client: Daytona;
  #options: DaytonaProviderOptions;
  #creation: DaytonaCreation;
  #retry: RetryOptions;
  #previews = new Map<string, PreviewTarget>();
  #waker: SandboxWaker;
  /** Sessions this server deleted itself: their commands ended on purpose. */
  #ended = new Set<string>();

  constructor(options: DaytonaProviderOptions) {
    this.#options = options;
    const { resources } = options;
    this.#creation = daytonaCreation({ DAYTONA_SNAPSHOT: options.snapshot, DAYTONA_CPU: resources?.cpu, DAYTONA_MEMORY_GB: resources?.memory, DAYTONA_DISK_GB: resources?.disk });
    if (this.#creation.from === 'image' && options.image) this.#creation.image = options.image;
    this.#retry = { attempts: 5, baseDelayMs: 500, maxDelayMs: 20_000, ...options.retry };
    this.client = new Daytona({ apiKey: options.apiKey, apiUrl: options.apiUrl, target: options.target, useDeprecatedPolling: options.polling });
    this.#waker = new SandboxWaker({
      startTimeoutS: options.startTimeoutS ?? 60,
      archivedStartTimeoutS: options.archivedStartTimeoutS ?? 300,
      call: (work) => this.#call(work),
      onRestart: options.onRestart,
      forgetPreviews: (id) => this.#forgetPreviews(id),
    });
  }

  /** Told when a sandbox Daytona stopped or archived is started again for a call. */
  set onRestart(listener: ((event: SandboxRestart) => void) | undefined) {
    this.#waker.onRestart = listener;
  }

  #call<T>(work: () => Promise<T>): Promise<T> {
    return withRateLimitRetry(work, this.#retry);
  }

  async #sandbox(id: string): Promise<Sandbox> {
    return this.#call(() => this.client.get(id));
  }

  /** The sandbox, started again first if Daytona stopped or archived it. */
  async #started(id: string): Promise<Sandbox> {
    const sandbox = await this.#sandbox(id);
    await this.#waker.wake(sandbox);
    return sandbox;
  }

  /** Starts the sandbox again if Daytona stopped or archived it (its chat is open again). */
  async resume(id: string) {
    await this.#started(id);
  }

  /** A toolbox call; when the toolbox says the sandbox is not running (it stopped since we looked), it is started and the call made once more. */
  async #toolbox<T>(sandbox: Sandbox, work: (sandbox: Sandbox) => Promise<T>): Promise<T> {
    try {
      return await this.#call(() => work(sandbox));
    } catch (error) {
      if (!(error instanceof SandboxNotStartedError)) throw error;
      await this.#call(() => sandbox.refreshData());
      await this.#waker.wake(sandbox);
      return this.#call(() => work(sandbox));
    }
  }

  async create(labels: Record<string, string>): Promise<SandboxInfo> {
    const { idleTtlMin, deleteAfterMin = idleTtlMin * 2 } = this.#options;
    const creation = this.#creation;
    // A published app runs until it is unpublished: Daytona's auto-stop and auto-delete are off for it.
    const published = labels[PUBLISHED_LABEL] === '1';
    const common = { language: 'typescript' as const, labels: { ...labels }, envVars: { PORT: String(APP_PORT), HOST: '0.0.0.0' }, public: false, autoStopInterval: published ? 0 : idleTtlMin, autoDeleteInterval: published ? -1 : deleteAfterMin };
    // An image is built once (minutes) before its first sandbox starts.
    const timeout = this.#options.createTimeoutS ?? (creation.from === 'image' ? 600 : 120);
    const sandbox = await this.#call(() =>
      creation.from === 'image'
        ? this.client.create({ ...common, image: creation.image, resources: creation.resources }, { timeout })
        : this.client.create({ ...common, ...(creation.snapshot ? { snapshot: creation.snapshot } : {}) }, { timeout }),
    );
    await this.#call(() => sandbox.process.executeCommand(`mkdir -p ${PROJECT}`));
    return infoOf(sandbox);
  }

  async get(id: string): Promise<SandboxInfo | null> {
    try {
      const sandbox = await this.#sandbox(id);
      return isGone(sandbox) ? null : infoOf(sandbox);
    } catch (error) {
      if (error instanceof SandboxNotFoundError) return null;
      throw error;
    }
  }

  async list(labels: Record<string, string>): Promise<SandboxInfo[]> {
    return this.#call(async () => {
      const out: SandboxInfo[] = [];
      for await (const sandbox of this.client.list({ labels, limit: 100 })) if (!isGone(sandbox)) out.push(infoOf(sandbox));
      return out;
    });
  }

  async setLabels(id: string, labels: Record<string, string>) {
    const sandbox = await this.#sandbox(id);
    const next = { ...sandbox.labels };
    for (const [key, value] of Object.entries(labels)) {
      if (value === '') delete next[key];
      else next[key] = value;
    }
    await this.#call(() => sandbox.setLabels(next));
  }

  async writeFiles(id: string, files: FileToWrite[]) {
    const sandbox = await this.#started(id);
    // One multipart request for the whole batch.
    const uploads = files.map((file) => ({ source: Buffer.isBuffer(file.content) ? file.content : Buffer.from(file.content), destination: `${PROJECT}/${file.path}` }));
    await this.#toolbox(sandbox, (s) => s.fs.uploadFiles(uploads));
  }

  async removePaths(id: string, paths: string[]) {
    const sandbox = await this.#started(id);
    for (const path of paths) await this.#toolbox(sandbox, (s) => s.fs.deleteFile(`${PROJECT}/${path}`, true));
  }

  /**
   * One file through the toolbox's download (bulk-download with one path), streamed so that a
   * file past `maxBytes` is cut off rather than held; where the SDK cannot stream (a serverless
   * runtime: Cloudflare Pages) it is downloaded whole and then checked.
   */
  async readFile(id: string, path: string, { maxBytes = Number.MAX_SAFE_INTEGER }: { maxBytes?: number } = {}): Promise<Buffer> {
    const sandbox = await this.#started(id);
    const tooLarge = () => new SandboxError(`${path} is larger than ${maxBytes} bytes.`, 413);
    return this.#toolbox(sandbox, async (s) => {
      const controller = new AbortController();
      let stream: AsyncIterable<Buffer>;
      try {
        stream = await s.fs.downloadFileStream(`${PROJECT}/${path}`, { signal: controller.signal, timeout: FILE_READ_TIMEOUT_S });
      } catch (error) {
        if (!(error instanceof Error && STREAMING_UNSUPPORTED.test(error.message))) throw error;
        const whole = await s.fs.downloadFile(`${PROJECT}/${path}`, FILE_READ_TIMEOUT_S);
        if (whole.length > maxBytes) throw tooLarge();
        return whole;
      }
      const chunks: Buffer[] = [];
      let size = 0;
      for await (const chunk of stream) {
        size += chunk.length;
        if (size > maxBytes) {
          controller.abort();
          throw tooLarge();
        }
        chunks.push(chunk);
      }
      return Buffer.concat(chunks);
    });
  }

  async exec(id: string, command: string, options: ExecOptions = {}): Promise<ExecResult> {
    const sandbox = await this.#started(id);
    const session = `exec-${randomHex(6)}`;
    const run = await this.#runInSession(sandbox, session, command, options.onOutput);
    let timer: ReturnType<typeof setTimeout> | undefined;
    const stopped = new Promise<ExecResult>((resolve) => {
      if (options.timeoutMs) timer = setTimeout(() => resolve({ exitCode: 124, timedOut: true }), options.timeoutMs);
      options.signal?.addEventListener('abort', () => resolve({ exitCode: 130 }), { once: true });
    });
    try {
      const result: ExecResult = await Promise.race([run.exit.then((exitCode) => ({ exitCode })), stopped]);
      if (result.timedOut) options.onOutput?.(`\n[killed: ran longer than ${Math.round(options.timeoutMs! / 1000)} s]\n`);
      return result;
    } finally {
      clearTimeout(timer);
      // Deleting the session ends whatever it still runs.
      this.#ended.add(session);
      await sandbox.process.deleteSession(session).catch(() => {});
    }
  }

  async start(id: string, command: string, options: ExecOptions = {}): Promise<BackgroundProcess> {
    const sandbox = await this.#started(id);
    const session = `bg-${randomHex(6)}`;
    const run = await this.#runInSession(sandbox, session, command, options.onOutput);
    return { id: session, command, exit: run.exit };
  }

  async kill(id: string, processId: string) {
    const sandbox = await this.#sandbox(id);
    // A stopped sandbox's processes ended with it.
    if (sandbox.state !== 'started') return;
    this.#ended.add(processId);
    await this.#call(() => sandbox.process.deleteSession(processId)).catch((error: unknown) => {
      if (!(error instanceof SandboxNotFoundError || error instanceof SandboxNotStartedError)) throw error;
    });
  }

  /** Runs `command` asynchronously in a new session; output streams through the log socket, or by polling if that fails. */
  async #runInSession(sandbox: Sandbox, session: string, command: string, onOutput?: (chunk: string) => void) {
    await this.#toolbox(sandbox, (s) => s.process.createSession(session));
    const { cmdId } = await this.#call(() => sandbox.process.executeSessionCommand(session, { command: `cd ${PROJECT} && ${command}`, runAsync: true }));
    const exit = followCommand(sandbox, session, cmdId!, onOutput ?? (() => {}), {
      pollIntervalMs: this.#options.pollIntervalMs ?? 1000,
      endedOnPurpose: () => this.#ended.has(session),
    });
    void exit.finally(() => this.#ended.delete(session)).catch(() => {});
    return { exit };
  }

  /** Reads the sandbox's listening ports; a stopped sandbox has none (preview traffic does not start it again). */
  async findPort(id: string, timeoutMs = 0): Promise<number | null> {
    const sandbox = await this.#sandbox(id);
    if (sandbox.state !== 'started') return null;
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      let listing: string;
      try {
        listing = (await this.#call(() => sandbox.process.executeCommand('cat /proc/net/tcp /proc/net/tcp6 2>/dev/null'))).result ?? '';
      } catch (error) {
        if (error instanceof SandboxNotStartedError) return null;
        throw error;
      }
      const ports = parseListeningPorts(listing).filter((p) => p >= 1024 && !DAEMON_PORTS.has(p));
      if (ports.length) return ports.includes(APP_PORT) ? APP_PORT : ports[0];
      if (Date.now() >= deadline) return null;
      await new Promise((r) => setTimeout(r, 1000));
    }
  }

  async previewTarget(id: string, port: number): Promise<PreviewTarget> {
    const key = `${id}:${port}`;
    const cached = this.#previews.get(key);
    if (cached) return cached;
    const sandbox = await this.#sandbox(id);
    const link = await this.#call(() => sandbox.getPreviewLink(port));
    // The token stays here: the proxy adds it, the browser never sees it.
    const target = { url: link.url, headers: { 'X-Daytona-Preview-Token': link.token, 'X-Daytona-Skip-Preview-Warning': 'true' } };
    this.#previews.set(key, target);
    return target;
  }

  async readTree(id: string, { maxFileBytes = 256 * 1024, maxFiles = 2000 } = {}): Promise<TreeEntry[]> {
    const sandbox = await this.#started(id);
    const listing = await this.#toolbox(sandbox, (s) =>
      s.process.executeCommand(`find ${PROJECT} -type f -not -path '*/node_modules/*' -not -path '*/.git/*' -not -path '*/.cache/*' -not -path '*/.npm/*' -not -name '${STATE_TEMP_PREFIX}*' -printf '%s\\t%P\\n' | head -n ${maxFiles}`),
    );
    const entries = (listing.result ?? '')
      .split('\n')
      .filter(Boolean)
      .map((line) => {
        const [size, ...rest] = line.split('\t');
        return { path: rest.join('\t'), size: Number(size) } as TreeEntry;
      })
      .sort((a, b) => a.path.localeCompare(b.path));
    const wanted = entries.filter((e) => e.size <= maxFileBytes);
    if (wanted.length) {
      const files = await this.#toolbox(sandbox, (s) => s.fs.downloadFiles(wanted.map((e) => ({ source: `${PROJECT}/${e.path}` }))));
      const bySource = new Map(files.map((f) => [f.source, f.result]));
      for (const entry of wanted) {
        const bytes = bySource.get(`${PROJECT}/${entry.path}`);
        if (Buffer.isBuffer(bytes) && !bytes.includes(0)) entry.content = bytes.toString('utf8');
      }
    }
    return entries;
  }

  /** Stops a running sandbox (one that is stopped, archived or on its way down already is left so). */
  async stop(id: string) {
    const sandbox = await this.#sandbox(id);
    if (appState(sandbox) === 'starting') await this.#call(() => sandbox.waitUntilStarted(this.#options.startTimeoutS ?? 60));
    if (sandbox.state === 'started') await this.#call(() => sandbox.stop());
    this.#forgetPreviews(id);
  }

  async delete(id: string) {
    const sandbox = await this.#sandbox(id);
    await this.#call(() => sandbox.delete());
    this.#forgetPreviews(id);
  }

  async close() {
    await this.client[Symbol.asyncDispose]?.();
  }

  #forgetPreviews(id: string) {
    for (const key of this.#previews.keys()) if (key.startsWith(`${id}:`)) this.#previews.delete(key);
  }
}

function infoOf(sandbox: Sandbox): SandboxInfo {
  return {
    id: sandbox.id,
    labels: { ...(sandbox.labels ?? {}) },
    state: appState(sandbox),
    createdAt: sandbox.createdAt ? Date.parse(sandbox.createdAt) : Date.now(),
  };
}

