import { SandboxQuotaError, type SandboxInfo } from './sandbox-provider.server';

/** After this long, any list of the provider shows a sandbox that was created. */
const RECENT_MS = 60_000;

export const isRunning = (sandbox: SandboxInfo) => sandbox.state === 'started' || sandbox.state === 'starting';

export interface CapLimits {
  maxPerSession: number;
  /** Running sandboxes one client address may have, whatever its sessions. */
  maxPerIp?: number;
  maxTotal: number;
}

/**
 * The caps on running sandboxes: per session, per client address, in total. Only running
 * sandboxes count (stopped ones cost nothing); a provider's list may be older than creations that
 * finished meanwhile, and creations may still be under way: both count too, so concurrent
 * requests cannot slip past a cap. A person's own sandboxes make room for the project in front of
 * them (the least recently used is named to be stopped); nobody else's ever does.
 */
export class SandboxCaps {
  #creating = new Map<string, number>();
  #creatingIp = new Map<string, number>();
  #creatingTotal = 0;
  /** Creations lists may not show yet. */
  #created = new Map<string, { owner: string; ip?: string; at: number }>();

  constructor(
    private readonly limits: CapLimits,
    private readonly now: () => number,
  ) {}

  /**
   * Throws the 429 for the first cap a new running sandbox would pass, or answers which of the
   * owner's sandboxes to stop to make room (least recently used first; never `keep`). With
   * `reserve`, a creation is counted as under way until `release`.
   */
  check({ owner, ip, mine, all, keep, lastUse, reserve }: { owner: string; ip?: string; mine: SandboxInfo[]; all: SandboxInfo[]; keep?: string; lastUse: (sandbox: SandboxInfo) => number; reserve: boolean }): SandboxInfo[] {
    const mineIds = new Set(mine.filter(isRunning).map((s) => s.id));
    const allIds = new Set(all.filter(isRunning).map((s) => s.id));
    const listedIds = new Set(all.map((s) => s.id));
    const ipIds = new Set(all.filter((s) => isRunning(s) && ip !== undefined && s.labels.ip === ip).map((s) => s.id));
    for (const [id, created] of this.#created) {
      if (listedIds.has(id)) continue; // the list knows it, and whether it runs
      if (this.now() - created.at > RECENT_MS) {
        this.#created.delete(id); // long enough for any list to show it: it is gone
        continue;
      }
      allIds.add(id);
      if (created.owner === owner) mineIds.add(id);
      if (ip && created.ip === ip) ipIds.add(id);
    }
    const pendingMine = this.#creating.get(owner) ?? 0;
    const idle = mine.filter((s) => isRunning(s) && s.id !== keep).sort((a, b) => lastUse(a) - lastUse(b));
    const victims: SandboxInfo[] = [];
    while (mineIds.size + pendingMine >= this.limits.maxPerSession && idle.length) {
      const victim = idle.shift()!;
      victims.push(victim);
      mineIds.delete(victim.id);
      allIds.delete(victim.id);
      ipIds.delete(victim.id);
    }
    if (mineIds.size + pendingMine >= this.limits.maxPerSession) {
      throw new SandboxQuotaError(`You already have ${mineIds.size + pendingMine} cloud sandboxes starting, the most one session may have at once. Try again when they are up.`);
    }
    const pendingIp = ip ? (this.#creatingIp.get(ip) ?? 0) : 0;
    if (ip && this.limits.maxPerIp && ipIds.size + pendingIp >= this.limits.maxPerIp) {
      throw new SandboxQuotaError(`Your network already runs ${ipIds.size + pendingIp} sandboxes, the most one address may. Stop or delete one (Sandboxes, in the sidebar) and try again.`);
    }
    if (allIds.size + this.#creatingTotal >= this.limits.maxTotal) {
      throw new SandboxQuotaError('The server is running as many sandboxes as it allows right now. Try again in a few minutes.');
    }
    // Reserved in the same step as the check, so concurrent creations cannot both pass it.
    if (reserve) {
      this.#creating.set(owner, pendingMine + 1);
      if (ip) this.#creatingIp.set(ip, pendingIp + 1);
      this.#creatingTotal += 1;
    }
    return victims;
  }

  /** A reserved creation finished (made or not); `id` when it was made. */
  release(owner: string, ip: string | undefined, id?: string) {
    if (id) this.#created.set(id, { owner, ip, at: this.now() });
    this.#creatingTotal -= 1;
    if (ip) {
      const ipLeft = (this.#creatingIp.get(ip) ?? 1) - 1;
      if (ipLeft > 0) this.#creatingIp.set(ip, ipLeft);
      else this.#creatingIp.delete(ip);
    }
    const left = (this.#creating.get(owner) ?? 1) - 1;
    if (left > 0) this.#creating.set(owner, left);
    else this.#creating.delete(owner);
  }

  forget(id: string) {
    this.#created.delete(id);
  }
}
