// Network attacks from inside a Local sandbox, run for real (root, bubblewrap, slirp4netns, as in
// CI): each sandbox has its own network namespace, so its code reaches the internet but not the
// host's loopback services, the host's own addresses, cloud metadata, or other sandboxes.
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { networkInterfaces, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalProvider } from '~/lib/sandbox/local/local-provider.server';
import { sandboxNetworkUnavailable } from '~/lib/sandbox/local/sandbox-network.server';
import { getVia } from '../helpers/preview-target';

const dataDir = mkdtempSync(join(tmpdir(), 'appforge-netsec-'));
chmodSync(dataDir, 0o711);
const HOST_UID = 200_000;
const SECRET = `host-secret-${process.pid}`;
let provider: LocalProvider;
let attacker = '';
let victim = '';
const hostServers: Server[] = [];
let loopbackPort = 0;
let allInterfacesPort = 0;
const hostAddress = Object.values(networkInterfaces())
  .flat()
  .find((a) => a && a.family === 'IPv4' && !a.internal)?.address;

async function run(id: string, command: string, timeoutMs = 30_000) {
  let output = '';
  const result = await provider.exec(id, command, { onOutput: (c) => (output += c), timeoutMs });
  return { ...result, output };
}

/** Node inside the sandbox tries a TCP connection and prints CONNECTED or the error code. */
const tryConnect = (host: string, port: number) =>
  `node -e 'const s=require("net").connect({host:"${host}",port:${port},timeout:3000},()=>{s.write("GET / HTTP/1.0\\r\\n\\r\\n")});s.on("data",d=>{console.log("CONNECTED "+d);s.destroy()});s.on("timeout",()=>{console.log("TIMEOUT");s.destroy()});s.on("error",e=>console.log("REFUSED "+e.code))'`;

function listen(host: string): Promise<number> {
  const server = createServer((_req, res) => res.end(SECRET));
  hostServers.push(server);
  return new Promise((resolve) => server.listen(0, host, () => resolve((server.address() as { port: number }).port)));
}

function slirpProcesses() {
  return spawnSync('pgrep', ['-x', 'slirp4netns'], { encoding: 'utf8' }).stdout.split('\n').filter(Boolean).length;
}

beforeAll(async () => {
  expect(sandboxNetworkUnavailable()).toBeNull();
  provider = new LocalProvider({ dataDir, portBase: 22600, commandTimeoutMs: 60_000, maxOutputBytes: 200_000, memoryMb: 2048, tmpMb: 32, hostUid: HOST_UID, helperTimeoutMs: 5000, maxPids: 128, isolateNetwork: true, networkAllow: ['10.99.0.0/16'] });
  expect(provider.networkIsolated).toBe(true);
  attacker = (await provider.create({ app: 'appforge', owner: 'a'.repeat(32) })).id;
  victim = (await provider.create({ app: 'appforge', owner: 'b'.repeat(32) })).id;
  loopbackPort = await listen('127.0.0.1');
  allInterfacesPort = await listen('0.0.0.0');
});

afterAll(async () => {
  for (const id of [attacker, victim]) await provider?.delete(id).catch(() => {});
  for (const server of hostServers) server.close();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('a Local sandbox has a network of its own', () => {
  it("cannot reach the host's loopback services (the app's API, a local model server)", async () => {
    const { output } = await run(attacker, [tryConnect('127.0.0.1', loopbackPort), tryConnect('10.0.2.2', loopbackPort), tryConnect('localhost', loopbackPort)].join('; '));
    expect(output).not.toContain(SECRET);
    expect(output).not.toContain('CONNECTED');
    // Refused on the sandbox's own loopback; the slirp gateway (10.0.2.2) answers "unreachable".
    expect(output.trim().split('\n')).toEqual([expect.stringMatching(/^REFUSED E(CONNREFUSED|NETUNREACH)/), expect.stringMatching(/^REFUSED E(CONNREFUSED|NETUNREACH)/), expect.stringMatching(/^REFUSED E(CONNREFUSED|NETUNREACH)/)]);
  });

  it("cannot reach the host through its own addresses, nor link-local (cloud metadata)", async () => {
    expect(hostAddress).toBeTruthy();
    const { output } = await run(attacker, [tryConnect(hostAddress!, allInterfacesPort), tryConnect(hostAddress!, loopbackPort), tryConnect('169.254.169.254', 80)].join('; '));
    expect(output).not.toContain(SECRET);
    expect(output).not.toContain('CONNECTED');
  });

  it('cannot reach private, shared or link-local addresses, nor the host\'s gateway; an allowed range routes out', async () => {
    const gateway = spawnSync('ip', ['-4', 'route', 'show', 'default'], { encoding: 'utf8' }).stdout.split(' ')[2];
    const targets = ['10.1.2.3', '172.16.0.1', '192.168.1.1', '100.100.100.200', '169.254.169.254', gateway];
    const { output } = await run(attacker, `${targets.map((host) => tryConnect(host, 80)).join('; ')}; ip route show 10.99.0.0/16`);
    // A prohibit route answers at once: EACCES, never a connection or a wait.
    expect(output.match(/^REFUSED EACCES$/gm)).toHaveLength(targets.length);
    expect(output).toMatch(/^10\.99\.0\.0\/16 via 10\.0\.2\.2 dev tap0/m);
  });

  it("cannot see or reach another sandbox's dev server", async () => {
    const server = await provider.start(victim, `node -e 'require("http").createServer((q,r)=>r.end("victim-page")).listen(5173,"127.0.0.1")'`);
    expect(await provider.findPort(victim, 15_000)).toBe(5173);
    const { output } = await run(attacker, `${tryConnect('127.0.0.1', 5173)}; ${tryConnect(hostAddress!, 5173)}; cat /proc/net/tcp /proc/net/tcp6`);
    expect(output).not.toContain('victim-page');
    expect(output).not.toContain(':1435 '); // 5173 in hex: not in the attacker's socket tables
    expect(output).not.toContain(`:${loopbackPort.toString(16).toUpperCase().padStart(4, '0')} `);
    // The owner's preview still reaches it, through the namespace's own forwarder.
    const target = await provider.previewTarget(victim, 5173);
    expect(await getVia(target)).toBe('victim-page');
    await provider.kill(victim, server.id);
  });

  it('reaches a dev server that listens on [::1] only, for the preview', async () => {
    const server = await provider.start(victim, `node -e 'require("http").createServer((q,r)=>r.end("v6-page")).listen(5174,"::1")'`);
    expect(await provider.findPort(victim, 15_000)).toBe(5174);
    const target = await provider.previewTarget(victim, 5174);
    expect(await getVia(target)).toBe('v6-page');
    await provider.kill(victim, server.id);
  });

  it('cannot change its routes or interfaces (the namespace belongs to root)', async () => {
    const { output } = await run(attacker, `ip route del prohibit 169.254.0.0/16 2>&1; ip link set tap0 down 2>&1; ${tryConnect('169.254.169.254', 80)}`);
    expect(output.match(/Operation not permitted/g)?.length).toBe(2);
    expect(output).not.toContain('CONNECTED');
  });

  it('still reaches the package registry (outbound internet, name resolution)', async () => {
    const registry = process.env.npm_config_registry?.startsWith('http') ? process.env.npm_config_registry : 'https://registry.npmjs.org/';
    const { output, exitCode } = await run(attacker, `NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt node -e 'fetch(process.argv[1] + "is-number").then(r => console.log("STATUS " + r.status), e => console.log("FAILED " + e.cause?.code))' ${registry.replace(/\/?$/, '/')}`);
    expect(exitCode).toBe(0);
    expect(output).toContain('STATUS 200');
  });

  it('loses its network processes when stopped, and gets a new network for its next command', async () => {
    await run(attacker, 'true');
    const before = slirpProcesses();
    await provider.stop(attacker);
    expect(slirpProcesses()).toBe(before - 1);
    const { output } = await run(attacker, tryConnect('127.0.0.1', loopbackPort));
    expect(output).toContain('REFUSED');
    expect(slirpProcesses()).toBe(before);
  });

  it('gets a new network when its network processes die, and its processes in the dead one are stopped', async () => {
    const orphan = await provider.start(attacker, 'sleep 300');
    await run(attacker, 'true');
    const holder = ['-f', join(dataDir, 'sandboxes', attacker, 'net')];
    spawnSync('pkill', ['-KILL', ...holder]);
    while (spawnSync('pgrep', holder).status === 0) await new Promise((r) => setTimeout(r, 20));
    const { output, exitCode } = await run(attacker, 'cat /proc/net/dev | grep -c tap0');
    expect(exitCode).toBe(0);
    expect(output.trim()).toBe('1');
    expect(await orphan.exit).not.toBe(0);
  });

  it('has no preview target while it has no network (never the host\'s loopback)', async () => {
    await provider.stop(attacker);
    expect(await provider.findPort(attacker, 0)).toBeNull();
    await expect(provider.previewTarget(attacker, loopbackPort)).rejects.toThrow(/not running/);
  });
});

describe('without slirp4netns', () => {
  it('a production server refuses to run Local sandboxes on the host network', () => {
    const bin = mkdtempSync(join(tmpdir(), 'appforge-noslirp-'));
    chmodSync(bin, 0o755); // the sandbox user runs bwrap from it too
    const appData = mkdtempSync(join(tmpdir(), 'appforge-noslirp-data-'));
    chmodSync(appData, 0o711);
    try {
      // Everything sandboxes need on the PATH except slirp4netns.
      for (const tool of ['sh', 'true', 'bwrap', 'setpriv', 'unshare', 'nsenter', 'ip']) {
        const found = ['/usr/bin', '/bin', '/usr/sbin', '/sbin'].map((dir) => join(dir, tool)).find((path) => existsSync(path));
        symlinkSync(found!, join(bin, tool));
      }
      const out = spawnSync(process.execPath, ['--import', 'tsx', 'server.ts'], {
        cwd: new URL('../..', import.meta.url).pathname,
        env: { PATH: bin, HOME: process.env.HOME, NODE_ENV: 'production', ENV_FILE: '', PORT: '29732', SESSION_SECRET: 'x'.repeat(40), SANDBOX_PROVIDER: 'local', SANDBOX_DATA_DIR: appData },
        encoding: 'utf8',
        timeout: 30_000,
      });
      expect(out.status).toBe(1);
      expect(out.stderr).toMatch(/Sandboxes need their own network namespaces, which cannot be made here: slirp4netns is not installed/);
    } finally {
      rmSync(bin, { recursive: true, force: true });
      rmSync(appData, { recursive: true, force: true });
    }
  });
});
