import { isValidPackageName, judgeManifest, type PackageManifest, type PackageVerdict } from './package-facts';

/**
 * Looks packages up in the npm registry and judges them (package-facts.ts). Answers are cached,
 * bounded in count and age, and shared by every chat; a slow or absent registry costs at most
 * `timeoutMs` per request and is answered with "unknown" (null), so routing falls back to its lists.
 */
export interface RegistryLookupOptions {
  registryUrl: string;
  timeoutMs?: number;
  maxEntries?: number;
  ttlMs?: number;
  /** How many manifests are fetched at once. */
  concurrency?: number;
  fetch?: typeof fetch;
}

/** Failures are remembered briefly, so a down registry is not asked again on every chunk. */
const FAILURE_TTL_MS = 60_000;

export class RegistryLookup {
  readonly #registry: string;
  readonly #timeoutMs: number;
  readonly #maxEntries: number;
  readonly #ttlMs: number;
  readonly #concurrency: number;
  readonly #fetch: typeof fetch;
  readonly #cache = new Map<string, { verdict: (PackageVerdict & { missing?: true }) | null; expires: number }>();
  readonly #inFlight = new Map<string, Promise<PackageVerdict | null>>();
  #active = 0;
  #queue: Array<() => void> = [];

  constructor(options: RegistryLookupOptions) {
    this.#registry = options.registryUrl.replace(/\/+$/, '');
    this.#timeoutMs = options.timeoutMs ?? 4000;
    this.#maxEntries = options.maxEntries ?? 5000;
    this.#ttlMs = options.ttlMs ?? 6 * 3600_000;
    this.#concurrency = options.concurrency ?? 8;
    this.#fetch = options.fetch ?? fetch;
  }

  /** Verdicts by name; null where the registry did not answer in time (or the name is invalid). */
  async lookup(names: string[]): Promise<Record<string, PackageVerdict | null>> {
    const unique = [...new Set(names)];
    const verdicts = await Promise.all(unique.map((name) => this.#one(name)));
    return Object.fromEntries(unique.map((name, i) => [name, verdicts[i]]));
  }

  /** The names among `names` that would cost a registry request now (valid, not cached, not already being fetched). */
  uncached(names: string[]): string[] {
    const known = (name: string) => (this.#cache.get(name)?.expires ?? 0) > Date.now() || this.#inFlight.has(name);
    return [...new Set(names)].filter((name) => isValidPackageName(name) && !known(name));
  }

  #one(name: string): Promise<PackageVerdict | null> {
    if (!isValidPackageName(name)) return Promise.resolve(null);
    const cached = this.#cache.get(name);
    if (cached && cached.expires > Date.now()) return Promise.resolve(cached.verdict && { name: cached.verdict.name, needsServer: cached.verdict.needsServer });
    const pending = this.#inFlight.get(name);
    if (pending) return pending;
    const request = this.#limited(() => this.#fetchVerdict(name))
      .then((verdict) => {
        this.#remember(name, verdict, verdict && !('missing' in verdict) ? this.#ttlMs : FAILURE_TTL_MS);
        return verdict && { name: verdict.name, needsServer: verdict.needsServer };
      })
      .finally(() => this.#inFlight.delete(name));
    this.#inFlight.set(name, request);
    return request;
  }

  async #fetchVerdict(name: string): Promise<(PackageVerdict & { missing?: true }) | null> {
    const url = `${this.#registry}/${name.replace('/', '%2F')}/latest`;
    try {
      const response = await this.#fetch(url, { headers: { accept: 'application/json' }, signal: AbortSignal.timeout(this.#timeoutMs) });
      // A package the registry does not have is no reason to leave the browser (remembered briefly:
      // it may be published soon, and made-up names must not push real ones out of the cache).
      if (response.status === 404) return { name, needsServer: null, missing: true };
      if (!response.ok) return null;
      const manifest = (await response.json()) as PackageManifest;
      return judgeManifest({ ...manifest, name });
    } catch {
      return null; // timed out, unreachable, or not JSON
    }
  }

  #remember(name: string, verdict: (PackageVerdict & { missing?: true }) | null, ttl: number) {
    this.#cache.delete(name);
    this.#cache.set(name, { verdict, expires: Date.now() + ttl });
    // Oldest first: a Map iterates in insertion order.
    while (this.#cache.size > this.#maxEntries) this.#cache.delete(this.#cache.keys().next().value!);
  }

  async #limited<T>(work: () => Promise<T>): Promise<T> {
    if (this.#active >= this.#concurrency) await new Promise<void>((resolve) => this.#queue.push(resolve));
    this.#active += 1;
    try {
      return await work();
    } finally {
      this.#active -= 1;
      this.#queue.shift()?.();
    }
  }
}
