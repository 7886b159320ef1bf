import { accessSync, constants, existsSync, readFileSync } from 'node:fs';
import { mkdir, readFile, rmdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * Per-sandbox limits the kernel enforces on every process of the sandbox together, however they
 * were started (a fork bomb, a double-forked daemon): cgroup v1 `pids`, `memory` and, where the
 * host offers it, `cpu`, created below the server's own cgroups so that sandboxes stay inside
 * whatever limits the server has. Needs root and writable cgroup v1 hierarchies; elsewhere
 * `available` is false and rlimits remain.
 */
export interface CgroupLimits {
  maxPids: number;
  memoryBytes: number;
  /** CPUs' worth of time per period (a busy loop in a sandbox leaves the rest to the server). */
  cpus: number;
}

const ROOT = '/sys/fs/cgroup';
const REQUIRED = ['pids', 'memory'] as const;
const CONTROLLERS = [...REQUIRED, 'cpu'] as const;
const CPU_PERIOD_US = 100_000;

export class SandboxCgroups {
  readonly #parents: Partial<Record<(typeof CONTROLLERS)[number], string>> = {};

  constructor() {
    if (process.getuid?.() !== 0 || !existsSync('/proc/self/cgroup')) return;
    for (const line of readFileSync('/proc/self/cgroup', 'utf8').split('\n')) {
      const [, controllers, path] = line.split(':');
      for (const controller of CONTROLLERS) {
        // "cpu,cpuacct" on many hosts: the directory is named after the pair.
        if (!controllers?.split(',').includes(controller) || this.#parents[controller]) continue;
        const dir = join(ROOT, controllers.includes(',') && !existsSync(join(ROOT, controller)) ? controllers : controller, path);
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
    return REQUIRED.every((c) => this.#parents[c]);
  }

  /** Whether sandboxes' CPU time is bounded too. */
  get cpuLimited() {
    return this.available && Boolean(this.#parents.cpu);
  }

  #controllers() {
    return CONTROLLERS.filter((c) => this.#parents[c]);
  }

  /** The `cgroup.procs` files a new process of sandbox `id` must join. */
  procsFiles(id: string): string[] {
    return this.#controllers().map((c) => join(this.#parents[c]!, `appforge-${id}`, 'cgroup.procs'));
  }

  /** Creates (or updates) the sandbox's cgroups with its limits. */
  async ensure(id: string, limits: CgroupLimits) {
    const pids = join(this.#parents.pids!, `appforge-${id}`);
    const memory = join(this.#parents.memory!, `appforge-${id}`);
    await Promise.all([mkdir(pids, { recursive: true }), mkdir(memory, { recursive: true })]);
    await writeFile(join(pids, 'pids.max'), String(limits.maxPids));
    await writeFile(join(memory, 'memory.limit_in_bytes'), String(limits.memoryBytes));
    if (this.#parents.cpu) {
      const cpu = join(this.#parents.cpu, `appforge-${id}`);
      await mkdir(cpu, { recursive: true });
      await writeFile(join(cpu, 'cpu.cfs_period_us'), String(CPU_PERIOD_US));
      const quota = Math.max(1000, Math.round(limits.cpus * CPU_PERIOD_US));
      // The kernel refuses more than the server's own cgroup has (a container with --cpus): that, then.
      await writeFile(join(cpu, 'cpu.cfs_quota_us'), String(quota)).catch(async () => {
        const parent = Number(await readFile(join(this.#parents.cpu!, 'cpu.cfs_quota_us'), 'utf8').catch(() => '-1'));
        const period = Number(await readFile(join(this.#parents.cpu!, 'cpu.cfs_period_us'), 'utf8').catch(() => String(CPU_PERIOD_US)));
        if (parent > 0) await writeFile(join(cpu, 'cpu.cfs_quota_us'), String(Math.min(quota, Math.floor((parent * CPU_PERIOD_US) / period)))).catch(() => {});
      });
    }
  }

  /** Every process of the sandbox, wherever it has wandered in the process tree. */
  async processes(id: string): Promise<number[]> {
    const text = await readFile(join(this.#parents.pids!, `appforge-${id}`, 'cgroup.procs'), 'utf8').catch(() => '');
    return text.split('\n').filter(Boolean).map(Number);
  }

  /** Removes the cgroups once their processes are gone (killed processes take a moment to leave). */
  async remove(id: string) {
    for (let attempt = 0; attempt < 30 && (await this.processes(id)).length > 0; attempt++) await new Promise((r) => setTimeout(r, 100));
    await Promise.all(this.#controllers().map((c) => rmdir(join(this.#parents[c]!, `appforge-${id}`)).catch(() => {})));
  }
}
