import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { accessSync, constants, existsSync, readFileSync, statSync } from 'node:fs';
import { chown, mkdir, readFile, rm } from 'node:fs/promises';
import { Agent, type AgentOptions } from 'node:http';
import { connect, type Socket } from 'node:net';
import { networkInterfaces } from 'node:os';
import { join } from 'node:path';
import { parseListeningPorts } from '../listening-ports';

/**
 * One network namespace per sandbox, so sandbox code reaches the internet (package registries)
 * but not the host's loopback services (the app's own API, a local model server) nor other
 * sandboxes' dev servers:
 *
 *   holder  a small Node process, started by root in a new network namespace and then run as the
 *           sandbox user: it keeps the namespace alive, and it is the only way in — it listens on
 *           a unix socket in a server-only directory and forwards each connection to a port on
 *           the namespace's own loopback (where dev servers listen). Unix sockets live in the file
 *           system, not in a network namespace, so the server reaches it from outside.
 *   slirp4netns  the user-mode network stack (tap0, 10.0.2.100, DNS at 10.0.2.3) with
 *           --disable-host-loopback; started by root because /dev/net/tun is root's on most hosts,
 *           and --enable-sandbox --enable-seccomp confine it (own mount namespace, capabilities
 *           dropped, a syscall filter).
 *   routes  root (the namespace's owner, which sandbox code is not) makes the host's own
 *           addresses, its gateway, private and shared address space (sibling containers, a
 *           database next door) and link-local (cloud metadata) unreachable from inside, except
 *           what the operator allows (a private registry mirror, say).
 *
 * Commands join with `nsenter --net=/proc/<holder>/ns/net` before dropping to the sandbox user.
 * Both processes end when the server does (stdin / exit fd close).
 */

const READY_TIMEOUT_MS = 15_000;

/** The holder: forwards `<port>\n<bytes…>` on its unix socket to 127.0.0.1:<port> (or [::1]). */
const HOLDER_SCRIPT = String.raw`
const net = require('node:net');
const fs = require('node:fs');
const socketPath = process.argv[1];
try { fs.unlinkSync(socketPath); } catch {}
function connectTo(port, host, client, rest) {
  const upstream = net.connect({ host, port });
  upstream.once('connect', () => {
    if (rest.length) upstream.write(rest);
    client.pipe(upstream);
    upstream.pipe(client);
  });
  upstream.on('error', (error) => {
    // A dev server may listen on [::1] only (Node resolves "localhost" to it first).
    if (error.code === 'ECONNREFUSED' && host === '127.0.0.1') connectTo(port, '::1', client, rest);
    else client.destroy();
  });
  client.on('error', () => upstream.destroy());
  client.on('close', () => upstream.destroy());
}
const server = net.createServer((client) => {
  let head = Buffer.alloc(0);
  const onData = (data) => {
    head = Buffer.concat([head, data]);
    const end = head.indexOf(10);
    if (end < 0) { if (head.length > 8) client.destroy(); return; }
    client.off('data', onData);
    client.pause();
    const port = Number(head.subarray(0, end).toString());
    if (!Number.isInteger(port) || port < 1 || port > 65535) return client.destroy();
    connectTo(port, '127.0.0.1', client, head.subarray(end + 1));
  };
  client.on('data', onData);
  client.on('error', () => client.destroy());
});
server.listen(socketPath, () => { fs.chmodSync(socketPath, 0o600); process.stdout.write('ready\n'); });
process.stdin.on('end', () => process.exit(0));
process.stdin.on('error', () => process.exit(0));
process.stdin.resume();
`;

/** Why per-sandbox networks cannot be made here, or null when they can. */
export function sandboxNetworkUnavailable(): string | null {
  if (process.getuid?.() !== 0) return 'the server does not run as root (per-sandbox network namespaces are made by root)';
  for (const tool of ['slirp4netns', 'nsenter', 'unshare', 'ip']) {
    if (spawnSync('sh', ['-c', `command -v ${tool}`], { stdio: 'ignore' }).status !== 0) return `${tool} is not installed (apt-get install slirp4netns util-linux iproute2)`;
  }
  try {
    accessSync('/dev/net/tun', constants.R_OK | constants.W_OK);
  } catch {
    return '/dev/net/tun is missing (a container needs --device /dev/net/tun)';
  }
  return null;
}

export interface SandboxNetwork {
  /** The namespace commands join, and its inode (checked on joining: a holder's pid may be reused once it is gone). */
  readonly nsPath: string;
  readonly nsInode: number;
  /** For the preview proxy: connections to 127.0.0.1:<port> reach the sandbox's own loopback. */
  readonly agent: Agent;
  /** Whether both processes still run (a dead network is made again for the next command). */
  alive(): boolean;
  /** TCP ports something listens on inside the sandbox (read asynchronously from /proc). */
  listeningPorts(): Promise<number[]>;
  stop(): Promise<void>;
}

/**
 * Makes a sandbox's network. `dir` is a new directory outside the sandbox's view (the holder's
 * socket goes there); `user` is the unprivileged host user the holder runs as; `allow` lists
 * address ranges (CIDR) that stay reachable although private.
 */
export async function startSandboxNetwork(dir: string, user: { uid: number; gid: number }, allow: string[] = []): Promise<SandboxNetwork> {
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true, mode: 0o700 });
  await chown(dir, user.uid, user.gid);
  const socketPath = join(dir, 'forward.sock');

  const holder = spawn(
    'unshare',
    ['--net', '--', 'setpriv', `--reuid=${user.uid}`, `--regid=${user.gid}`, '--clear-groups', process.execPath, '-e', HOLDER_SCRIPT, socketPath],
    { stdio: ['pipe', 'pipe', 'pipe'], env: { PATH: '/usr/local/bin:/usr/bin:/bin' } as unknown as NodeJS.ProcessEnv },
  );
  const processes: ChildProcess[] = [holder];
  const stopAll = () => {
    for (const child of processes) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  };
  try {
    await readyLine(holder, 'holder');
    const pid = holder.pid!;
    const nsPath = `/proc/${pid}/ns/net`;
    const nsInode = statSync(nsPath).ino;
    const slirp = spawn(
      'slirp4netns',
      ['--configure', '--mtu=65520', '--disable-host-loopback', '--enable-sandbox', '--enable-seccomp', '--exit-fd=3', '--ready-fd=4', String(pid), 'tap0'],
      { stdio: ['ignore', 'ignore', 'pipe', 'pipe', 'pipe'] },
    );
    processes.push(slirp);
    await readyFd(slirp);
    // After slirp4netns has configured tap0: allowed ranges route through its gateway.
    await run('ip', ['-batch', '-'], nsPath, routes(allow));
    return {
      nsPath,
      nsInode,
      agent: new ForwardingAgent(socketPath),
      // A holder killed a moment ago may not have been reaped yet: its namespace is then already gone.
      alive: () => processes.every((child) => child.exitCode === null && child.signalCode === null) && existsSync(nsPath),
      listeningPorts: async () => {
        const tables = await Promise.all(['tcp', 'tcp6'].map((name) => readFile(`/proc/${pid}/net/${name}`, 'utf8').catch(() => '')));
        return parseListeningPorts(tables.join('\n'));
      },
      stop: async () => {
        stopAll();
        await Promise.all(processes.map((child) => (child.exitCode === null && child.signalCode === null ? new Promise((r) => child.once('exit', r)) : null)));
        await rm(dir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    stopAll();
    throw error;
  }
}

/** Private, shared (carrier-grade NAT, Alibaba's metadata) and link-local (cloud metadata) space. */
const PRIVATE_RANGES = ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', '100.64.0.0/10', '169.254.0.0/16'];

/**
 * Routes inside the namespace: `prohibit` for the host's own addresses and gateways (a service
 * listening on all interfaces would otherwise be one hop away) and for private ranges; slirp's
 * own subnet (10.0.2.0/24, DNS at 10.0.2.3) stays, being more specific. Only root, the
 * namespace's owner, can change them.
 */
export function routes(allow: string[]): string {
  const blocked = new Set(PRIVATE_RANGES);
  for (const addresses of Object.values(networkInterfaces())) {
    for (const address of addresses ?? []) {
      if (address.family === 'IPv4' && !address.internal) blocked.add(`${address.address}/32`);
    }
  }
  for (const gateway of hostGateways()) blocked.add(`${gateway}/32`);
  const lines = [...blocked].map((range) => `route replace prohibit ${range}`);
  for (const range of allow) lines.push(`route replace ${range} via 10.0.2.2 dev tap0`);
  return `${lines.join('\n')}\n`;
}

/** The host's IPv4 gateways, from /proc/net/route (little-endian hex). */
function hostGateways(): string[] {
  const gateways = new Set<string>();
  let table = '';
  try {
    table = readFileSync('/proc/net/route', 'utf8');
  } catch {
    return [];
  }
  for (const line of table.split('\n').slice(1)) {
    const hex = line.split('\t')[2];
    if (!hex || /^0+$/.test(hex)) continue;
    const value = Number.parseInt(hex, 16);
    gateways.add([value & 255, (value >>> 8) & 255, (value >>> 16) & 255, value >>> 24].join('.'));
  }
  return [...gateways];
}

function run(command: string, args: string[], nsPath: string, input: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn('nsenter', [`--net=${nsPath}`, command, ...args], { stdio: ['pipe', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`network setup failed: ${command} ${args.join(' ')}: ${stderr.trim() || `exit ${code}`}`))));
    child.stdin.end(input);
  });
}

function readyLine(child: ChildProcess, name: string): Promise<void> {
  return waitFor(child, name, (done) => {
    let out = '';
    child.stdout!.on('data', (chunk) => {
      out += chunk;
      if (out.includes('ready\n')) done();
    });
  });
}

function readyFd(child: ChildProcess): Promise<void> {
  return waitFor(child, 'slirp4netns', (done) => (child.stdio[4] as Socket).once('data', () => done()));
}

/** Resolves when `onReady` says so; rejects (with the process's stderr) when it exits first or takes too long. */
function waitFor(child: ChildProcess, name: string, onReady: (done: () => void) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    let stderr = '';
    child.stderr!.on('data', (chunk) => (stderr = (stderr + chunk).slice(-2000)));
    const fail = (why: string) => {
      clearTimeout(timer);
      reject(new Error(`sandbox network: ${name} ${why}${stderr.trim() ? `: ${stderr.trim().split('\n').pop()}` : ''}`));
    };
    const timer = setTimeout(() => fail(`not ready after ${READY_TIMEOUT_MS / 1000} s`), READY_TIMEOUT_MS);
    child.once('error', (error) => fail(error.message));
    child.once('exit', (code, signal) => fail(`exited (${signal ?? code})`));
    onReady(() => {
      clearTimeout(timer);
      resolve();
    });
  });
}

/** An HTTP agent whose connections go through the holder's socket to the sandbox's loopback. */
class ForwardingAgent extends Agent {
  readonly #socketPath: string;

  constructor(socketPath: string, options?: AgentOptions) {
    super({ keepAlive: false, ...options });
    this.#socketPath = socketPath;
  }

  override createConnection(options: { port?: number | string | null }): Socket {
    const socket = connect(this.#socketPath);
    socket.write(`${Number(options.port) || 80}\n`);
    return socket;
  }
}

/** The sandbox's resolv.conf: slirp4netns's DNS forwarder (the host's may be on its loopback). */
export const SANDBOX_RESOLV_CONF = 'nameserver 10.0.2.3\n';
