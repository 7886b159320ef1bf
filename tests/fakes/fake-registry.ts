// A loopback stand-in for the npm registry: `GET /<name>/latest` answers with a manifest recorded
// from the real registry (tests/fixtures/registry), 404 for any other package. It can stall.
import { existsSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

const FIXTURES = new URL('../fixtures/registry/', import.meta.url);

export function recordedManifest(name: string) {
  const file = new URL(`${name.replace('/', '__')}.json`, FIXTURES);
  return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>) : null;
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
        const match = /^\/(.+)\/latest$/.exec(req.url ?? '');
        const manifest = match ? recordedManifest(decodeURIComponent(match[1])) : null;
        res.writeHead(manifest ? 200 : 404, { 'content-type': 'application/json' });
        res.end(JSON.stringify(manifest ?? { error: 'Not found' }));
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
