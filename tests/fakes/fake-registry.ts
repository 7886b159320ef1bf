// A loopback stand-in for the npm registry, answering as the real one does: `GET /<name>` is the
// packument (abbreviated, as npm installs ask with `Accept: application/vnd.npm.install-v1+json`:
// per version only the fields an install needs, and `hasInstallScript`), `GET /<name>/<version>`
// and `GET /<name>/<tag>` a version's full manifest, 404 for a package or version it does not
// have. Its packages are manifests recorded from the real registry (tests/fixtures/registry:
// `<name>.json` is `latest`, `<name>@<version>.json` an older version). It can stall.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

const FIXTURES = new URL('../fixtures/registry/', import.meta.url);
type Manifest = Record<string, unknown> & { version?: string; scripts?: Record<string, string>; gypfile?: boolean };

const fileName = (name: string) => name.replace('/', '__');

/** The recorded `latest` manifest of a package, or null. */
export function recordedManifest(name: string): Manifest | null {
  const file = new URL(`${fileName(name)}.json`, FIXTURES);
  return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as Manifest) : null;
}

/** Every recorded version of a package: `latest` and the older ones beside it. */
function recordedVersions(name: string): Manifest[] {
  const latest = recordedManifest(name);
  if (!latest) return [];
  const older = readdirSync(FIXTURES)
    .filter((file) => file.startsWith(`${fileName(name)}@`))
    .map((file) => JSON.parse(readFileSync(new URL(file, FIXTURES), 'utf8')) as Manifest);
  return [latest, ...older];
}

/** What the abbreviated packument keeps of a version (npm's "corgi" document): no scripts, but whether it has an install script. */
function abbreviated(manifest: Manifest) {
  const { name, version, dependencies, optionalDependencies, os, cpu, bin } = manifest;
  const hasInstallScript = Boolean(manifest.gypfile || ['preinstall', 'install', 'postinstall'].some((hook) => manifest.scripts?.[hook]));
  return Object.fromEntries(Object.entries({ name, version, dependencies, optionalDependencies, os, cpu, bin, ...(hasInstallScript ? { hasInstallScript } : {}) }).filter(([, value]) => value !== undefined));
}

export class FakeRegistry {
  #server: Server | null = null;
  /** Paths asked for, in order. */
  readonly requests: string[] = [];
  /** Milliseconds before answering; Infinity never answers. */
  delayMs = 0;

  async start(port = 0): Promise<string> {
    this.#server = createServer((req, res) => {
      this.requests.push(req.url ?? '');
      const answer = () => {
        // A scoped name comes with its slash encoded (@scope%2Fname), as npm sends it.
        const [rawName, rawVersion] = new URL(req.url ?? '/', 'http://registry').pathname.slice(1).split('/');
        const name = decodeURIComponent(rawName ?? '');
        const versions = recordedVersions(name);
        const latest = versions[0]?.version ?? 'latest';
        let body: unknown = null;
        if (versions.length && rawVersion === undefined) {
          body = { name, 'dist-tags': { latest }, versions: Object.fromEntries(versions.map((m) => [m.version ?? latest, abbreviated(m)])) };
        } else if (versions.length) {
          const wanted = decodeURIComponent(rawVersion);
          body = versions.find((m) => m.version === wanted || (wanted === 'latest' && m === versions[0])) ?? null;
        }
        res.writeHead(body ? 200 : 404, { 'content-type': 'application/json' });
        res.end(JSON.stringify(body ?? { error: 'Not found' }));
      };
      if (this.delayMs === Infinity) return;
      setTimeout(answer, this.delayMs);
    });
    await new Promise<void>((resolve) => this.#server!.listen(port, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.#server!.address() as AddressInfo).port}`;
  }

  async stop() {
    this.#server?.closeAllConnections();
    await new Promise((resolve) => this.#server?.close(resolve));
  }
}
