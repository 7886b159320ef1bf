// The world the sandbox-state tests share: a real Local provider under bubblewrap in a data dir of
// its own, the service around it, and people (sessions) who reach the state route through the client.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'vitest';
import { parseServerEnv } from '~/lib/env.server';
import { RateLimits } from '~/lib/http/rate-limits.server';
import { Sessions } from '~/lib/http/session.server';
import { LocalProvider } from '~/lib/sandbox/local/local-provider.server';
import { SandboxClient } from '~/lib/sandbox/sandbox-client';
import type { SandboxProvider } from '~/lib/sandbox/sandbox-provider.server';
import { SandboxService } from '~/lib/sandbox/sandbox-service.server';
import { action as stateAction } from '~/routes/api.sandboxes.$id.state';

/** The state cap of these worlds: SANDBOX_STATE_MAX_MB=1. */
export const env = parseServerEnv({ SANDBOX_STATE_MAX_MB: '1' });
const sessions = new Sessions('sandbox-state-session-secret-0123456789abcdef', false);
const limits = new RateLimits({ chatPerSession: 20, chatPerIp: 60, createsPerSession: 5, createsPerIp: 20 });

export function serviceOn(p: SandboxProvider) {
  return new SandboxService(p, { secret: 'sandbox-state-secret-0123456789abcdef', previewHost: 'localhost:5173', previewScheme: 'http', maxPerSession: 10, maxTotal: 20, idleTtlMs: 3_600_000, defaultShareTtlHours: 24, stateMaxBytes: env.SANDBOX_STATE_MAX_MB * 1_048_576 });
}

/** The names in a gzip tar, as GNU tar lists them (newlines escaped as \n). */
export function members(archive: Uint8Array) {
  const listed = spawnSync('tar', ['-tzf', '-'], { input: archive });
  expect(listed.status, listed.stderr.toString()).toBe(0);
  return listed.stdout.toString().split('\n').filter(Boolean).sort();
}

export class StateWorld {
  readonly dataDir = mkdtempSync(join(tmpdir(), 'appforge-state-'));
  readonly provider: LocalProvider;
  readonly service: SandboxService;

  /** `portBase`: the first PORT its sandboxes are given (each test file a range of its own). */
  constructor(portBase: number) {
    this.provider = new LocalProvider({ dataDir: this.dataDir, portBase, commandTimeoutMs: 60_000, maxOutputBytes: 200_000, memoryMb: 4096 });
    this.service = serviceOn(this.provider);
  }

  /** A browser session with a sandbox of its own, and the client the workbench would use, through the route. */
  async person(on = this.service) {
    const session = await sessions.get(new Request('http://localhost/'));
    const cookie = session.setCookie!.split(';')[0];
    const sandbox = await on.create(session.owner, 'state');
    const context = { env, sandboxes: on, sessions, limits, clientIp: '198.51.100.9' } as never;
    const call = async (input: RequestInfo | URL, init: RequestInit = {}) => {
      const url = new URL(String(input), 'http://localhost');
      const id = decodeURIComponent(/^\/api\/sandboxes\/([^/]+)\/state$/.exec(url.pathname)![1]);
      const request = new Request(url, { ...init, headers: { ...(init.headers as Record<string, string>), cookie } });
      return stateAction({ request, params: { id }, context });
    };
    return { owner: session.owner, id: sandbox.id, client: new SandboxClient({ fetch: call }), call };
  }

  /** Runs a command in the sandbox, as its app would; it must succeed. */
  async sh(id: string, command: string) {
    let output = '';
    const result = await this.provider.exec(id, command, { onOutput: (c) => (output += c) });
    expect(result.exitCode, `${command}\n${output}`).toBe(0);
    return output;
  }

  async close() {
    for (const sandbox of await this.provider.list({})) await this.provider.delete(sandbox.id).catch(() => {});
    rmSync(this.dataDir, { recursive: true, force: true });
  }
}
