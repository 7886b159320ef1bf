import semver from 'semver';
import { isValidPackageName, judgeManifest, type PackageManifest, type PackageVerdict } from './package-facts';

/**
 * Looks packages up in the npm registry and judges them (package-facts.ts) at the version the
 * project asks for: the highest that satisfies its package.json range (`typescript@~5.8.3` is a
 * 5.8 release, not `latest`, which may be another program altogether), a tag's version, or
 * `latest` for a bare name, a URL or a git dependency. The packument (abbreviated, as npm installs
 * read it) gives the versions; a version with an install script is read in full to see what the
 * script does. Answers are cached, bounded in count and age, and shared by every chat; a slow or
 * absent registry costs at most `timeoutMs` per package and is answered with "unknown" (null), so
 * routing falls back to its lists.
 */
export interface RegistryLookupOptions {
  registryUrl: string;
  timeoutMs?: number;
  maxEntries?: number;
  ttlMs?: number;
  /** How many packages are looked up at once. */
  concurrency?: number;
  fetch?: typeof fetch;
}

/** A dependency as package.json gives it: `name@range`, or a bare name. */
export function parsePackageSpec(spec: string): { name: string; range: string } {
  const at = spec.lastIndexOf('@');
  return at > 0 ? { name: spec.slice(0, at), range: spec.slice(at + 1).trim() } : { name: spec, range: '' };
}

/** The version a range asks for: a tag's, the highest satisfying a semver range, `latest` for a bare name or anything else (URLs, git, file:, aliases); undefined when no version satisfies it. */
export function pickVersion(range: string, versions: string[], tags: Record<string, string>): string | undefined {
  if (range && tags[range]) return tags[range];
  if (range && semver.validRange(range)) return semver.maxSatisfying(versions, range) ?? undefined;
  return tags.latest;
}

/** The abbreviated packument's fields that matter here (`Accept: application/vnd.npm.install-v1+json`). */
interface Packument {
  'dist-tags'?: Record<string, string>;
  versions?: Record<string, PackageManifest>;
}

type Verdict = (PackageVerdict & { missing?: true }) | null;

/** Failures are remembered briefly, so a down registry is not asked again on every chunk. */
const FAILURE_TTL_MS = 60_000;

export class RegistryLookup {
  readonly #registry: string;
  readonly #timeoutMs: number;
  readonly #maxEntries: number;
  readonly #ttlMs: number;
  readonly #concurrency: number;
  readonly #fetch: typeof fetch;
  /** Verdicts by `name@version` (`name@` for a package the registry does not have or did not answer about). */
  readonly #cache = new Map<string, { verdict: Verdict; expires: number }>();
  /** Each package's versions and tags. */
  readonly #packuments = new Map<string, { versions: string[]; tags: Record<string, string>; expires: number }>();
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

  /** Verdicts by package name, for `name@range` specs; null where the registry did not answer in time (or the name is invalid). */
  async lookup(specs: string[]): Promise<Record<string, PackageVerdict | null>> {
    const unique = [...new Set(specs)];
    const verdicts = await Promise.all(unique.map((spec) => this.#one(spec)));
    return Object.fromEntries(unique.map((spec, i) => [parsePackageSpec(spec).name, verdicts[i]]));
  }

  /** The specs among `specs` that would cost a registry request now (valid, not cached, not already being fetched). */
  uncached(specs: string[]): string[] {
    return [...new Set(specs)].filter((spec) => isValidPackageName(parsePackageSpec(spec).name) && !this.#known(spec) && !this.#inFlight.has(spec));
  }

  #known(spec: string): Verdict | false {
    const { name, range } = parsePackageSpec(spec);
    const failed = this.#fresh(`${name}@`);
    if (failed !== false) return failed;
    const packument = this.#packuments.get(name);
    if (!packument || packument.expires <= Date.now()) return false;
    const version = pickVersion(range, packument.versions, packument.tags);
    return version === undefined ? null : this.#fresh(`${name}@${version}`);
  }

  #fresh(key: string): Verdict | false {
    const entry = this.#cache.get(key);
    return entry && entry.expires > Date.now() ? entry.verdict : false;
  }

  #one(spec: string): Promise<PackageVerdict | null> {
    const { name, range } = parsePackageSpec(spec);
    if (!isValidPackageName(name)) return Promise.resolve(null);
    const known = this.#known(spec);
    if (known !== false) return Promise.resolve(known && { name: known.name, needsServer: known.needsServer });
    const pending = this.#inFlight.get(spec);
    if (pending) return pending;
    const request = this.#limited(() => this.#fetchVerdict(name, range))
      .then((verdict) => verdict && { name: verdict.name, needsServer: verdict.needsServer })
      .finally(() => this.#inFlight.delete(spec));
    this.#inFlight.set(spec, request);
    return request;
  }

  async #fetchVerdict(name: string, range: string): Promise<Verdict> {
    const path = `${this.#registry}/${name.replace('/', '%2F')}`;
    const signal = AbortSignal.timeout(this.#timeoutMs);
    try {
      let packument = this.#packuments.get(name);
      let entries: Packument['versions'];
      if (!packument || packument.expires <= Date.now()) {
        const response = await this.#fetch(path, { headers: { accept: 'application/vnd.npm.install-v1+json' }, signal });
        // A package the registry does not have is no reason to leave the browser (remembered briefly:
        // it may be published soon, and made-up names must not push real ones out of the cache).
        if (response.status === 404) return this.#remember(`${name}@`, { name, needsServer: null, missing: true }, FAILURE_TTL_MS);
        if (!response.ok) return this.#remember(`${name}@`, null, FAILURE_TTL_MS);
        const body = (await response.json()) as Packument;
        entries = body.versions ?? {};
        packument = { versions: Object.keys(entries), tags: body['dist-tags'] ?? {}, expires: Date.now() + this.#ttlMs };
        this.#packuments.set(name, packument);
      }
      const version = pickVersion(range, packument.versions, packument.tags);
      if (version === undefined) return null;
      let manifest = entries?.[version];
      // The abbreviated document says whether there is an install script, not what it does.
      if (!manifest || manifest.hasInstallScript) {
        const response = await this.#fetch(`${path}/${encodeURIComponent(version)}`, { headers: { accept: 'application/json' }, signal });
        if (!response.ok) return this.#remember(`${name}@`, null, FAILURE_TTL_MS);
        manifest = (await response.json()) as PackageManifest;
      }
      return this.#remember(`${name}@${version}`, judgeManifest({ ...manifest, name }), this.#ttlMs);
    } catch {
      return null; // timed out, unreachable, or not JSON
    }
  }

  #remember(key: string, verdict: Verdict, ttl: number): Verdict {
    this.#cache.delete(key);
    this.#cache.set(key, { verdict, expires: Date.now() + ttl });
    // Oldest first: a Map iterates in insertion order.
    while (this.#cache.size > this.#maxEntries) this.#cache.delete(this.#cache.keys().next().value!);
    while (this.#packuments.size > this.#maxEntries) this.#packuments.delete(this.#packuments.keys().next().value!);
    return verdict;
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
