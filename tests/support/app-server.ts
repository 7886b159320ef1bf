// Starting the app as `npm start` does, and talking to it: shared by the end-to-end tests and the benchmarks.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { request as httpRequest } from 'node:http';
import { chmodSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SandboxClient } from '../../app/lib/sandbox/sandbox-client';

const ROOT = new URL('../..', import.meta.url).pathname;

export const TEST_KEY = 'sk-e2e-test-key-do-not-leak-42';

/** One npm cache for every app the tests start, kept between runs: installs are cold once per machine. */
const SHARED_NPM_CACHE = join(tmpdir(), 'appforge-e2e-npm-cache');

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}

export interface App {
  url: string;
  pid: number;
  port: number;
  dataDir: string;
  logs: string[];
  stop(): Promise<void>;
}

export interface StartOptions {
  /**
   * 'production' runs the built app as `npm start` does; 'dev' runs `npm run dev` (Vite
   * middleware, HMR) with the default data dir under a temporary XDG_DATA_HOME, as a new user gets it.
   */
  mode?: 'production' | 'dev';
  /** The port to listen on (tests that must stay in a port range of their own); default: any free one. */
  port?: number;
  /** A lower open-file limit for the server (soft and hard), as a host with a small `ulimit -n` gives it. */
  maxOpenFiles?: number;
}

/** Starts the app's server against the given environment. */
export async function startApp(env: Record<string, string | undefined>, options: StartOptions = {}): Promise<App> {
  const port = options.port ?? (await freePort());
  const dev = options.mode === 'dev';
  const home = mkdtempSync(join(tmpdir(), 'appforge-e2e-'));
  // Sandboxes run as an unprivileged user, which must be able to pass through to the data dir.
  chmodSync(home, 0o711);
  // In dev mode the data dir is the default one: <XDG_DATA_HOME>/appforge, outside the source tree.
  const dataDir = dev ? join(home, 'appforge') : home;
  const logs: string[] = [];
  // APP_NODE_ARGS passes extra Node flags to the app (e.g. --cpu-prof when profiling a benchmark).
  const nodeArgs = process.env.APP_NODE_ARGS?.split(' ').filter(Boolean) ?? [];
  const modeEnv: Record<string, string> = dev ? { XDG_DATA_HOME: home } : { SESSION_SECRET: 'e2e-session-secret-0123456789abcdef0123', SANDBOX_DATA_DIR: dataDir };
  const command = [process.execPath, ...nodeArgs, '--import', 'tsx', 'server.ts'];
  // prlimit execs the server in its own place, so the process group and pid stay the server's.
  if (options.maxOpenFiles) command.unshift('prlimit', `--nofile=${options.maxOpenFiles}:${options.maxOpenFiles}`, '--');
  const child: ChildProcess = spawn(command[0], command.slice(1), {
    cwd: ROOT,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, NODE_ENV: dev ? 'development' : 'production', PORT: String(port), ENV_FILE: '', SANDBOX_NPM_CACHE_DIR: SHARED_NPM_CACHE, ...modeEnv, ...env },
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout!.on('data', (d: Buffer) => logs.push(d.toString()));
  child.stderr!.on('data', (d: Buffer) => logs.push(d.toString()));
  const url = `http://localhost:${port}`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`app exited with ${child.exitCode}:\n${logs.join('')}`);
    try {
      if ((await fetch(`${url}/api/health`)).ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`app did not start:\n${logs.join('')}`);
    await new Promise((r) => setTimeout(r, 150));
  }
  return {
    url,
    pid: child.pid!,
    port,
    dataDir,
    logs,
    stop: async () => {
      if (child.exitCode !== null) return;
      await stopProcessGroup(child, 6000);
      // A killed server leaves its sandboxes' volumes mounted (a stopped one unmounts them).
      unmountUnder(home);
      rmSync(home, { recursive: true, force: true });
    },
  };
}

/** SIGTERM to a detached child's process group; SIGKILL if it has not exited within `graceMs`. */
export async function stopProcessGroup(child: ChildProcess, graceMs: number) {
  if (child.exitCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  try {
    process.kill(-child.pid!, 'SIGTERM');
  } catch {
    // already gone
  }
  await Promise.race([exited, new Promise((r) => setTimeout(r, graceMs))]);
  if (child.exitCode === null) process.kill(-child.pid!, 'SIGKILL');
}

/** Lazily unmounts whatever is mounted below `dir` (sandbox volumes of a server that was killed). */
export function unmountUnder(dir: string) {
  if (process.getuid?.() !== 0) return;
  const mounts = readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .map((line) => line.split(' ')[4])
    .filter((path) => path?.startsWith(`${dir}/`));
  for (const path of mounts.reverse()) spawnSync('umount', ['-l', path]);
}

/** The npm caches the test apps share (each session's is a volume of its own). */
export function sharedNpmCacheDir() {
  return SHARED_NPM_CACHE;
}

/** A cookie-keeping client of the app's JSON API: one instance is one browser session. */
export class ApiClient {
  cookie = '';
  setCookie = '';
  constructor(readonly base: string) {}

  /** A client that already holds a session cookie, as a returning browser does (cookieless requests count under the address). */
  static async withSession(base: string): Promise<ApiClient> {
    const client = new ApiClient(base);
    await (await client.request('GET', '/api/sandboxes')).text();
    return client;
  }

  async request(method: string, path: string, body?: unknown): Promise<Response> {
    return this.fetch(this.base + path, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  }

  /** fetch with this client's session cookie, keeping the one the server sets (what a browser does). */
  fetch = async (input: RequestInfo | URL, init: RequestInit = {}): Promise<Response> => {
    const headers = new Headers(init.headers);
    if (this.cookie) headers.set('cookie', this.cookie);
    const response = await fetch(input, { ...init, headers });
    const set = response.headers.get('set-cookie');
    if (set) {
      this.setCookie = set;
      this.cookie = set.split(';')[0];
    }
    return response;
  };

  /** The app's typed sandbox API client, speaking with this client's session. */
  sandboxes(): SandboxClient {
    return new SandboxClient({ baseUrl: this.base, fetch: this.fetch });
  }

  async json<T = Record<string, unknown>>(method: string, path: string, body?: unknown): Promise<{ status: number; body: T }> {
    const response = await this.request(method, path, body);
    return { status: response.status, body: (await response.json()) as T };
  }

  /** A JSON-lines response read to its end. */
  async lines(method: string, path: string, body?: unknown): Promise<{ status: number; events: Array<Record<string, unknown>> }> {
    const response = await this.request(method, path, body);
    const text = await response.text();
    if (!response.headers.get('content-type')?.includes('ndjson')) return { status: response.status, events: [JSON.parse(text)] };
    return { status: response.status, events: text.split('\n').filter(Boolean).map((line) => JSON.parse(line)) };
  }
}

/** An HTTP GET to the app's port with another Host header: how a browser reaches <token>.localhost. */
export function getWithHost(appUrl: string, previewUrl: string, path = '/', headers: Record<string, string> = {}): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
  const app = new URL(appUrl);
  const host = new URL(previewUrl).host;
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port: app.port, path, headers: { ...headers, host } }, (res) => {
      let body = '';
      res.on('data', (c) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}
