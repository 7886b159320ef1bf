import { Daytona, type Sandbox } from '@daytonaio/sdk';
import { parseListeningPorts } from '../listening-ports';
import { randomHex } from '../tokens.server';
import type { ServerEnv } from '../../env.server';
import {
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
import { mapDaytonaError, withRateLimitRetry, type RetryOptions } from './daytona-errors.server';
import { errorMessage } from '../../error-message';

export interface DaytonaProviderOptions {
  apiKey: string;
  apiUrl: string;
  target?: string;
  /** A snapshot with common dependencies preinstalled. */
  snapshot?: string;
  /** Minutes of inactivity before Daytona stops a sandbox (and, a while later, deletes it): the second safety net behind our reaper. */
  idleTtlMin: number;
  /** Poll sandbox state instead of the SDK's event socket (tests; environments without WebSockets). */
  polling?: boolean;
  retry?: Partial<RetryOptions>;
  /** How often to poll a command's state when its log socket is unavailable. */
  pollIntervalMs?: number;
  /** How long creation may take, in seconds, before it is reported as timed out. */
  createTimeoutS?: number;
}

/** Projects live here, relative to the sandbox's working directory. */
const PROJECT = 'project';
/** The port apps are told to listen on (PORT); any other listening port is found too. */
const APP_PORT = 3000;
/** Ports of Daytona's own daemons, never the app's. */
const DAEMON_PORTS = new Set([2280, 22220, 22222, 33333]);

/**
 * Cloud sandboxes through the real Daytona SDK. Long commands run as session commands with
 * runAsync and streamed logs (polling when the log socket fails); previews go through our proxy
 * with the preview token kept on the server.
 */
/** The Daytona provider the configuration describes. */
export function daytonaProvider(env: ServerEnv): DaytonaProvider {
  return new DaytonaProvider({ apiKey: env.DAYTONA_API_KEY!, apiUrl: env.DAYTONA_API_URL, target: env.DAYTONA_TARGET, snapshot: env.DAYTONA_SNAPSHOT, idleTtlMin: env.SANDBOX_IDLE_TTL_MIN });
}

export class DaytonaProvider implements SandboxProvider {
  readonly name = 'daytona' as const;
  readonly client: Daytona;
  #options: DaytonaProviderOptions;
  #retry: RetryOptions;
  #previews = new Map<string, PreviewTarget>();

  constructor(options: DaytonaProviderOptions) {
    this.#options = options;
    this.#retry = { attempts: 5, baseDelayMs: 500, maxDelayMs: 20_000, ...options.retry };
    this.client = new Daytona({ apiKey: options.apiKey, apiUrl: options.apiUrl, target: options.target, useDeprecatedPolling: options.polling });
  }

  #call<T>(work: () => Promise<T>): Promise<T> {
    return withRateLimitRetry(work, this.#retry);
  }

  async #sandbox(id: string): Promise<Sandbox> {
    return this.#call(() => this.client.get(id));
  }

  async create(labels: Record<string, string>): Promise<SandboxInfo> {
    const { snapshot, idleTtlMin } = this.#options;
    const sandbox = await this.#call(() =>
      this.client.create(
        {
          language: 'typescript',
          labels: { ...labels },
          envVars: { PORT: String(APP_PORT), HOST: '0.0.0.0' },
          public: false,
          autoStopInterval: idleTtlMin,
          autoDeleteInterval: idleTtlMin * 2,
          ...(snapshot ? { snapshot } : {}),
        },
        { timeout: this.#options.createTimeoutS ?? 120 },
      ),
    );
    await this.#call(() => sandbox.process.executeCommand(`mkdir -p ${PROJECT}`));
    return infoOf(sandbox);
  }

  async get(id: string): Promise<SandboxInfo | null> {
    try {
      return infoOf(await this.#sandbox(id));
    } catch (error) {
      if (error instanceof SandboxNotFoundError) return null;
      throw error;
    }
  }

  async list(labels: Record<string, string>): Promise<SandboxInfo[]> {
    return this.#call(async () => {
      const out: SandboxInfo[] = [];
      for await (const sandbox of this.client.list({ labels, limit: 100 })) out.push(infoOf(sandbox));
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
    const sandbox = await this.#sandbox(id);
    // One multipart request for the whole batch.
    await this.#call(() =>
      sandbox.fs.uploadFiles(files.map((file) => ({ source: Buffer.isBuffer(file.content) ? file.content : Buffer.from(file.content), destination: `${PROJECT}/${file.path}` }))),
    );
  }

  async removePaths(id: string, paths: string[]) {
    const sandbox = await this.#sandbox(id);
    for (const path of paths) await this.#call(() => sandbox.fs.deleteFile(`${PROJECT}/${path}`, true));
  }

  async exec(id: string, command: string, options: ExecOptions = {}): Promise<ExecResult> {
    const sandbox = await this.#sandbox(id);
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
      await sandbox.process.deleteSession(session).catch(() => {});
    }
  }

  async start(id: string, command: string, options: ExecOptions = {}): Promise<BackgroundProcess> {
    const sandbox = await this.#sandbox(id);
    const session = `bg-${randomHex(6)}`;
    const run = await this.#runInSession(sandbox, session, command, options.onOutput);
    return { id: session, command, exit: run.exit };
  }

  async kill(id: string, processId: string) {
    const sandbox = await this.#sandbox(id);
    await this.#call(() => sandbox.process.deleteSession(processId));
  }

  /** Runs `command` asynchronously in a new session; output streams through the log socket, or by polling if that fails. */
  async #runInSession(sandbox: Sandbox, session: string, command: string, onOutput?: (chunk: string) => void) {
    await this.#call(() => sandbox.process.createSession(session));
    const { cmdId } = await this.#call(() => sandbox.process.executeSessionCommand(session, { command: `cd ${PROJECT} && ${command}`, runAsync: true }));
    const emit = onOutput ?? (() => {});
    const exit = (async () => {
      let streamed = false;
      try {
        await sandbox.process.getSessionCommandLogs(session, cmdId!, emit, emit);
        streamed = true;
      } catch {
        // The log socket failed: follow the command by polling instead.
      }
      return this.#pollExit(sandbox, session, cmdId!, streamed ? undefined : emit);
    })();
    return { exit };
  }

  async #pollExit(sandbox: Sandbox, session: string, cmdId: string, emit?: (chunk: string) => void): Promise<number> {
    let seen = 0;
    const interval = this.#options.pollIntervalMs ?? 1000;
    for (;;) {
      let exitCode: number | null | undefined;
      try {
        if (emit) {
          const logs = await sandbox.process.getSessionCommandLogs(session, cmdId);
          const output = logs.output ?? '';
          if (output.length > seen) emit(output.slice(seen));
          seen = output.length;
        }
        exitCode = (await sandbox.process.getSessionCommand(session, cmdId)).exitCode;
      } catch (error) {
        // The session is gone (deleted on stop or timeout, or the sandbox with it).
        const mapped = mapDaytonaError(error);
        if (mapped instanceof SandboxNotFoundError) return 137;
        throw mapped;
      }
      if (typeof exitCode === 'number') {
        if (emit) {
          const logs = await sandbox.process.getSessionCommandLogs(session, cmdId).catch(() => null);
          if (logs?.output && logs.output.length > seen) emit(logs.output.slice(seen));
        }
        return exitCode;
      }
      await new Promise((r) => setTimeout(r, interval));
    }
  }

  async findPort(id: string, timeoutMs = 0): Promise<number | null> {
    const sandbox = await this.#sandbox(id);
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const { result } = await this.#call(() => sandbox.process.executeCommand('cat /proc/net/tcp /proc/net/tcp6 2>/dev/null'));
      const ports = parseListeningPorts(result ?? '').filter((p) => p >= 1024 && !DAEMON_PORTS.has(p));
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
    const sandbox = await this.#sandbox(id);
    const listing = await this.#call(() =>
      sandbox.process.executeCommand(`find ${PROJECT} -type f -not -path '*/node_modules/*' -not -path '*/.git/*' -not -path '*/.cache/*' -not -path '*/.npm/*' -printf '%s\\t%P\\n' | head -n ${maxFiles}`),
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
      const files = await this.#call(() => sandbox.fs.downloadFiles(wanted.map((e) => ({ source: `${PROJECT}/${e.path}` }))));
      const bySource = new Map(files.map((f) => [f.source, f.result]));
      for (const entry of wanted) {
        const bytes = bySource.get(`${PROJECT}/${entry.path}`);
        if (Buffer.isBuffer(bytes) && !bytes.includes(0)) entry.content = bytes.toString('utf8');
      }
    }
    return entries;
  }

  async stop(id: string) {
    const sandbox = await this.#sandbox(id);
    await this.#call(() => sandbox.stop());
  }

  async delete(id: string) {
    const sandbox = await this.#sandbox(id);
    await this.#call(() => sandbox.delete());
    for (const key of this.#previews.keys()) if (key.startsWith(`${id}:`)) this.#previews.delete(key);
  }

  async close() {
    await this.client[Symbol.asyncDispose]?.();
  }
}

function infoOf(sandbox: Sandbox): SandboxInfo {
  const state = sandbox.state as string | undefined;
  return {
    id: sandbox.id,
    labels: { ...(sandbox.labels ?? {}) },
    state: state === 'started' || state === 'stopped' || state === 'starting' || state === 'error' ? state : 'unknown',
    createdAt: sandbox.createdAt ? Date.parse(sandbox.createdAt) : Date.now(),
  };
}
