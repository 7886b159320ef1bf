import { SandboxNotFoundError, type SandboxInfo, type SandboxProvider, type TreeEntry } from '~/lib/sandbox/sandbox-provider.server';

/** A SandboxProvider that only keeps records: for testing the rules around providers. */
export class MemoryProvider implements SandboxProvider {
  readonly name = 'local' as const;
  readonly sandboxes = new Map<string, SandboxInfo>();
  ports = new Map<string, number>();
  #next = 0;
  constructor(private now: () => number = Date.now) {}

  async create(labels: Record<string, string>) {
    const info: SandboxInfo = { id: `mem-${++this.#next}`, labels: { ...labels }, state: 'started', createdAt: this.now() };
    this.sandboxes.set(info.id, info);
    return structuredClone(info);
  }
  async get(id: string) {
    const info = this.sandboxes.get(id);
    return info ? structuredClone(info) : null;
  }
  async list(labels: Record<string, string>) {
    return [...this.sandboxes.values()].filter((s) => Object.entries(labels).every(([k, v]) => s.labels[k] === v)).map((s) => structuredClone(s));
  }
  async setLabels(id: string, labels: Record<string, string>) {
    const info = this.#must(id);
    for (const [k, v] of Object.entries(labels)) {
      if (v === '') delete info.labels[k];
      else info.labels[k] = v;
    }
  }
  async writeFiles(id: string) {
    this.#must(id);
  }
  async removePaths(id: string) {
    this.#must(id);
  }
  /** Files a test puts in a sandbox, for readFile. */
  readonly files = new Map<string, Buffer>();
  async readFile(id: string, path: string) {
    this.#must(id);
    const bytes = this.files.get(`${id}/${path}`);
    if (!bytes) throw new SandboxNotFoundError(`No such file: ${path}`);
    return bytes;
  }
  async exec(id: string) {
    this.#must(id);
    return { exitCode: 0 };
  }
  async start(id: string, command: string) {
    this.#must(id);
    return { id: 'p1', command, exit: new Promise<number>(() => {}) };
  }
  async kill(id: string) {
    this.#must(id);
  }
  async findPort(id: string) {
    return this.ports.get(id) ?? null;
  }
  async previewTarget(id: string, port: number) {
    return { url: `http://127.0.0.1:${port}`, headers: {} };
  }
  async readTree(): Promise<TreeEntry[]> {
    return [];
  }
  /** Stopped sandboxes keep their records and wake with resume, as Daytona's do. */
  readonly resumed: string[] = [];
  async stop(id: string) {
    this.#must(id).state = 'stopped';
  }
  async resume(id: string) {
    this.#must(id).state = 'started';
    this.resumed.push(id);
  }
  async delete(id: string) {
    this.#must(id);
    this.sandboxes.delete(id);
  }
  #must(id: string) {
    const info = this.sandboxes.get(id);
    if (!info) throw new SandboxNotFoundError();
    return info;
  }
}
