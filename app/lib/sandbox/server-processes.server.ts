import { SandboxNotFoundError, type BackgroundProcess, type SandboxProvider } from './sandbox-provider.server';

const LOG_LIMIT = 200_000;
/** How long a replaced server gets to exit and free its port. */
const SERVER_STOP_MS = 5_000;

export interface ProcessLog {
  text: string;
  listeners: Set<(chunk: string) => void>;
  exitCode?: number;
}

/**
 * The background processes the service started in each sandbox: their output (bounded, for
 * `logs()`), and each sandbox's app server, which a new start replaces: the old one is stopped
 * and its port given time to close, so a follow-up's server (the same command, new code) can take
 * the port instead of failing on it.
 */
export class ServerProcesses {
  #logs = new Map<string, ProcessLog>();
  #servers = new Map<string, { processId: string; exit: Promise<number> }>();

  constructor(private readonly provider: SandboxProvider) {}

  async start(id: string, command: string): Promise<BackgroundProcess> {
    await this.stopServer(id);
    const log: ProcessLog = { text: '', listeners: new Set() };
    const process = await this.provider.start(id, command, {
      onOutput: (chunk) => {
        log.text = (log.text + chunk).slice(-LOG_LIMIT);
        for (const listener of log.listeners) listener(chunk);
      },
    });
    this.#logs.set(`${id}/${process.id}`, log);
    this.#servers.set(id, { processId: process.id, exit: process.exit });
    const ended = (code: number) => {
      log.exitCode = code;
      for (const listener of log.listeners) listener('');
      if (this.#servers.get(id)?.processId === process.id) this.#servers.delete(id);
    };
    // A process we can no longer follow (the provider failed) counts as ended.
    process.exit.then(ended, () => ended(137));
    return process;
  }

  /** Stops the sandbox's app server, if this server started one, and gives its port time to close. */
  async stopServer(id: string) {
    const server = this.#servers.get(id);
    if (!server) return;
    this.#servers.delete(id);
    const port = await this.provider.findPort(id, 0).catch(() => null);
    await this.provider.kill(id, server.processId).catch(() => {});
    const deadline = Date.now() + SERVER_STOP_MS;
    await Promise.race([server.exit.catch(() => 0), new Promise((resolve) => setTimeout(resolve, SERVER_STOP_MS))]);
    // A server's children (a watcher's worker, a forked process) may hold the port a moment longer.
    while (port !== null && Date.now() < deadline && (await this.provider.findPort(id, 0).catch(() => null)) === port) await new Promise((resolve) => setTimeout(resolve, 200));
  }

  log(id: string, processId: string): ProcessLog {
    const log = this.#logs.get(`${id}/${processId}`);
    if (!log) throw new SandboxNotFoundError('No such process in this sandbox.');
    return log;
  }

  /** The sandbox stopped: its server is no longer running (its logs stay readable). */
  stopped(id: string) {
    this.#servers.delete(id);
  }

  forget(id: string) {
    for (const key of this.#logs.keys()) if (key.startsWith(`${id}/`)) this.#logs.delete(key);
    this.#servers.delete(id);
  }
}
