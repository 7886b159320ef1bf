import { accessSync, constants, existsSync, readFileSync } from 'node:fs';
import { mkdir, readFile, rmdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * Per-sandbox limits the kernel enforces on every process of the sandbox together, however they
 * were started (a fork bomb, a double-forked daemon): cgroup v1 `pids` and `memory`, created below
 * the server's own cgroups so that sandboxes stay inside whatever limits the server has. Needs
 * root and writable cgroup v1 hierarchies; elsewhere `available` is false and rlimits remain.
 */
export interface CgroupLimits {
  maxPids: number;
  memoryBytes: number;
}

const ROOT = '/sys/fs/cgroup';
const CONTROLLERS = ['pids', 'memory'] as const;

export class SandboxCgroups {
  readonly #parents: Partial<Record<(typeof CONTROLLERS)[number], string>> = {};

  constructor() {
    if (process.getuid?.() !== 0 || !existsSync('/proc/self/cgroup')) return;
    for (const line of readFileSync('/proc/self/cgroup', 'utf8').split('\n')) {
      const [, controllers, path] = line.split(':');
      for (const controller of CONTROLLERS) {
        if (!controllers?.split(',').includes(controller)) continue;
        const dir = join(ROOT, controller, path);
        try {
          accessSync(dir, constants.W_OK);
          this.#parents[controller] = dir;
        } catch {
          // not writable here (cgroup v2 only, or a read-only mount)
        }
      }
    }
  }

  get available() {
    return CONTROLLERS.every((c) => this.#parents[c]);
  }

  /** The `cgroup.procs` files a new process of sandbox `id` must join. */
  procsFiles(id: string): string[] {
    return CONTROLLERS.map((c) => join(this.#parents[c]!, `appforge-${id}`, 'cgroup.procs'));
  }

  /** Creates (or updates) the sandbox's cgroups with its limits. */
  async ensure(id: string, limits: CgroupLimits) {
    const pids = join(this.#parents.pids!, `appforge-${id}`);
    const memory = join(this.#parents.memory!, `appforge-${id}`);
    await Promise.all([mkdir(pids, { recursive: true }), mkdir(memory, { recursive: true })]);
    await writeFile(join(pids, 'pids.max'), String(limits.maxPids));
    await writeFile(join(memory, 'memory.limit_in_bytes'), String(limits.memoryBytes));
  }

  /** Every process of the sandbox, wherever it has wandered in the process tree. */
  async processes(id: string): Promise<number[]> {
    const text = await readFile(join(this.#parents.pids!, `appforge-${id}`, 'cgroup.procs'), 'utf8').catch(() => '');
    return text.split('\n').filter(Boolean).map(Number);
  }

  /** Removes the cgroups once their processes are gone (killed processes take a moment to leave). */
  async remove(id: string) {
    for (let attempt = 0; attempt < 30 && (await this.processes(id)).length > 0; attempt++) await new Promise((r) => setTimeout(r, 100));
    await Promise.all(CONTROLLERS.map((c) => rmdir(join(this.#parents[c]!, `appforge-${id}`)).catch(() => {})));
  }
}
