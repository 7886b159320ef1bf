// The app as Cloudflare Pages serves it: `npm run build:cf`, then `wrangler pages dev` (workerd, offline).
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { freePort, stopProcessGroup, type App } from './app-server';

const ROOT = new URL('../..', import.meta.url).pathname;

/** Builds for Pages (once per run; E2E_REUSE_BUILD=1 keeps an existing build). */
export function buildForPages() {
  if (process.env.E2E_REUSE_BUILD && existsSync(`${ROOT}build/cloudflare/server/index.js`)) return;
  const result = spawnSync('npm', ['run', '-s', 'build:cf'], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, NODE_ENV: 'production' } });
  if (result.status !== 0) throw new Error(`npm run build:cf failed:\n${result.stdout}\n${result.stderr}`);
}

/** Starts `npm run preview:cf` with the given Pages variables as `--binding`s, and `environment` as its environment (which preview:cf passes on too). */
export async function startPages(vars: Record<string, string>, port?: number, environment: Record<string, string> = {}): Promise<App & { waitForLog(pattern: RegExp): Promise<void> }> {
  port ??= await freePort();
  const bindings = Object.entries(vars).flatMap(([name, value]) => ['--binding', `${name}=${value}`]);
  return started(port, spawn('npm', ['run', '-s', 'preview:cf', '--', ...bindings], {
    cwd: ROOT,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, NODE_ENV: 'production', PORT: String(port), WRANGLER_SEND_METRICS: 'false', CI: '1', ...environment },
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  }));
}

/** The preview host's forwarding Worker (workers/preview-forwarder.ts) under `wrangler dev`, handing requests to `pagesOrigin`. */
export async function startForwarder(pagesOrigin: string, secret: string, port: number): Promise<App & { waitForLog(pattern: RegExp): Promise<void> }> {
  const args = ['wrangler', 'dev', '-c', 'workers/preview-forwarder.toml', '--ip', '127.0.0.1', '--port', String(port), '--var', `PAGES_ORIGIN:${pagesOrigin}`, '--var', `PREVIEW_FORWARDER_SECRET:${secret}`];
  return started(port, spawn('npx', args, {
    cwd: ROOT,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, NODE_ENV: 'production', WRANGLER_SEND_METRICS: 'false', CI: '1' },
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  }), '/');
}

/** Waits until the child answers on `port` (any status), and wraps it as an App. */
async function started(port: number, child: ChildProcess, probe = '/api/health'): Promise<App & { waitForLog(pattern: RegExp): Promise<void> }> {
  const logs: string[] = [];
  child.stdout!.on('data', (d: Buffer) => logs.push(d.toString()));
  child.stderr!.on('data', (d: Buffer) => logs.push(d.toString()));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`wrangler exited with ${child.exitCode}:\n${logs.join('')}`);
    try {
      if ((await fetch(`${url}${probe}`)).status < 600) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`wrangler did not start:\n${logs.join('')}`);
    await new Promise((r) => setTimeout(r, 250));
  }
  return {
    url,
    pid: child.pid!,
    port,
    dataDir: '',
    logs,
    async waitForLog(pattern: RegExp) {
      const until = Date.now() + 10_000;
      while (!pattern.test(logs.join('')) && Date.now() < until) await new Promise((r) => setTimeout(r, 100));
    },
    stop: () => stopProcessGroup(child, 5000),
  };
}
