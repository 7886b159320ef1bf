import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { bwrapAvailable } from '~/lib/sandbox/local/bwrap.server';
import { LocalProvider } from '~/lib/sandbox/local/local-provider.server';
import { getVia } from '../helpers/preview-target';

const REPO = new URL('../..', import.meta.url).pathname;
const dataDir = mkdtempSync(join(tmpdir(), 'appforge-local-'));
let provider: LocalProvider;
const created: string[] = [];

const EXPRESS_APP = `
const express = require('express');
const http = require('http');
const { WebSocketServer } = require('ws');
const app = express();
app.get('/', (req, res) => res.send('<h1>Hello from the sandbox</h1>'));
const server = http.createServer(app);
new WebSocketServer({ server }).on('connection', (socket) => socket.on('message', (m) => socket.send('echo:' + m)));
server.listen(process.env.PORT, '0.0.0.0', () => console.log('listening on ' + process.env.PORT));
`;

async function newSandbox() {
  const info = await provider.create({ app: 'appforge', owner: 'o1', project: 'p1' });
  created.push(info.id);
  return info.id;
}

async function run(id: string, command: string, timeoutMs?: number) {
  let output = '';
  const result = await provider.exec(id, command, { onOutput: (c) => (output += c), timeoutMs });
  return { ...result, output };
}

beforeAll(() => {
  process.env.OPENROUTER_API_KEY = 'sk-or-sentinel-should-not-leak';
  process.env.DAYTONA_API_KEY = 'dtn-sentinel-should-not-leak';
  provider = new LocalProvider({ dataDir, portBase: 22100, commandTimeoutMs: 120_000, maxOutputBytes: 200_000, memoryMb: 4096 });
});

afterAll(async () => {
  for (const id of created) await provider.delete(id).catch(() => {});
  rmSync(dataDir, { recursive: true, force: true });
});

describe('LocalProvider', () => {
  it('runs under bubblewrap here', () => {
    expect(bwrapAvailable()).toBe(true);
    expect(provider.isolated).toBe(true);
  });

  it('writes files, runs commands with streamed output and exit codes, and reads the tree back', async () => {
    const id = await newSandbox();
    await provider.writeFiles(id, [
      { path: 'src/index.js', content: 'console.log("hi")' },
      { path: 'logo.bin', content: Buffer.from([0, 1, 2]) },
    ]);
    expect(await run(id, 'node src/index.js')).toMatchObject({ exitCode: 0, output: 'hi\n' });
    expect((await run(id, 'echo oops >&2; exit 3')).exitCode).toBe(3);
    await run(id, 'mkdir -p node_modules/x && echo 1 > node_modules/x/a.js && echo made > made.txt');
    const tree = await provider.readTree(id);
    expect(tree.map((e) => e.path)).toEqual(['logo.bin', 'made.txt', 'src/index.js']);
    expect(tree.find((e) => e.path === 'made.txt')?.content).toBe('made\n');
    expect(tree.find((e) => e.path === 'logo.bin')).toEqual({ path: 'logo.bin', size: 3 });
    await provider.removePaths(id, ['src']);
    expect((await provider.readTree(id)).map((e) => e.path)).toEqual(['logo.bin', 'made.txt']);
  });

  it('keeps server secrets, the repository and /root out of the sandbox', async () => {
    const id = await newSandbox();
    const env = await run(id, 'env');
    expect(env.output).not.toContain('sentinel');
    expect(env.output).not.toMatch(/OPENROUTER_API_KEY|DAYTONA_API_KEY/);
    expect(env.output).toMatch(/PORT=\d+/);
    expect((await run(id, `ls ${REPO}`)).exitCode).not.toBe(0);
    expect((await run(id, `cat ${join(REPO, 'package.json')}`)).exitCode).not.toBe(0);
    expect((await run(id, 'ls /root')).exitCode).not.toBe(0);
    expect((await run(id, 'cat /etc/shadow')).exitCode).not.toBe(0);
    expect((await run(id, 'touch /usr/evil')).exitCode).not.toBe(0);
  });

  it('never lets a symlink the sandbox made lead the server to host files', async () => {
    const id = await newSandbox();
    // Files are read and written from inside the sandbox, where host paths do not exist.
    const secretFile = join(REPO, 'package.json');
    await run(id, `ln -s /etc etc-link && ln -s ${secretFile} leak && mkdir -p d && ln -s ${REPO} d/repo`);
    await provider.writeFiles(id, [{ path: 'etc-link/owned', content: 'x' }]).catch(() => {});
    await provider.writeFiles(id, [{ path: 'd/repo/owned', content: 'x' }]).catch(() => {});
    expect(existsSync('/etc/owned')).toBe(false);
    expect(existsSync(join(REPO, 'owned'))).toBe(false);
    const tree = await provider.readTree(id);
    expect(JSON.stringify(tree)).not.toContain('"name":"appforge"');
    await expect(provider.writeFiles(id, [{ path: '../outside', content: 'x' }])).rejects.toThrow(/leaves the project root/);
    await expect(provider.removePaths(id, ['/etc'])).rejects.toThrow(/absolute path/);
  });

  it('kills a command that runs past its timeout, and caps output', async () => {
    const id = await newSandbox();
    const slow = await run(id, 'sleep 30', 500);
    expect(slow).toMatchObject({ exitCode: 124, timedOut: true });
    const chatty = await run(id, 'yes hello | head -c 1000000');
    expect(chatty.truncated).toBe(true);
    expect(chatty.output.length).toBeLessThan(210_000);
    expect(chatty.output).toContain('[output truncated');
  });

  it('limits memory', async () => {
    const small = new LocalProvider({ dataDir, portBase: 22200, commandTimeoutMs: 60_000, maxOutputBytes: 100_000, memoryMb: 1024 });
    const { id } = await small.create({ app: 'appforge', owner: 'o1', project: 'mem' });
    created.push(id);
    const fits = await small.exec(id, 'node -e "Buffer.allocUnsafe(100e6).fill(1); console.log(\'ok\')"');
    expect(fits.exitCode).toBe(0);
    let output = '';
    const hog = await small.exec(id, 'node -e "const a=[];for(let i=0;i<20;i++)a.push(Buffer.allocUnsafe(100e6).fill(1));console.log(\'allocated 2GB\')"', { onOutput: (c) => (output += c) });
    expect(hog.exitCode).not.toBe(0);
    expect(output).not.toContain('allocated 2GB');
    // WebAssembly reserves far more address space than it uses: the limit must not break it (Vite needs it).
    expect((await small.exec(id, 'node -e "new WebAssembly.Memory({ initial: 100 })"')).exitCode).toBe(0);
  });

  it('installs and serves an Express app over HTTP and WebSocket, and stop kills the whole process tree', async () => {
    const id = await newSandbox();
    await provider.writeFiles(id, [
      { path: 'package.json', content: JSON.stringify({ name: 'app', version: '1.0.0', dependencies: { express: '^4.21.0', ws: '^8.18.0' } }) },
      { path: 'server.js', content: EXPRESS_APP },
    ]);
    const install = await run(id, 'npm install --no-audit --no-fund');
    expect(install.exitCode, install.output).toBe(0);
    let output = '';
    const server = await provider.start(id, 'node server.js & sleep 600 & wait', { onOutput: (c) => (output += c) });
    const port = await provider.findPort(id, 20_000);
    expect(port).not.toBeNull();
    const target = await provider.previewTarget(id, port!);
    expect(await getVia(target)).toContain('Hello from the sandbox');
    const socket = new WebSocket(target.url.replace('http', 'ws'), { agent: target.agent });
    const echo = await new Promise<string>((resolve, reject) => {
      socket.on('open', () => socket.send('ping'));
      socket.on('message', (m) => resolve(String(m)));
      socket.on('error', reject);
    });
    socket.close();
    expect(echo).toBe('echo:ping');
    expect(output).toContain('listening on');

    expect(spawnSync('pgrep', ['-f', 'sleep 600']).status).toBe(0);
    await provider.stop(id);
    expect(spawnSync('pgrep', ['-f', 'sleep 600']).status).toBe(1);
    expect(await server.exit).not.toBe(0);
    await expect(getVia(target)).rejects.toThrow();
    expect(await provider.findPort(id, 0)).toBeNull();
  }, 120_000);

  it('shares one npm cache, so a second sandbox installs the same dependencies offline', async () => {
    const id = await newSandbox();
    await provider.writeFiles(id, [{ path: 'package.json', content: JSON.stringify({ name: 'b', version: '1.0.0', dependencies: { express: '^4.21.0' } }) }]);
    const offline = await run(id, 'npm install --offline --no-audit --no-fund');
    expect(offline.exitCode, offline.output).toBe(0);
  }, 60_000);

  it('lists by labels, updates labels, and forgets deleted sandboxes', async () => {
    const id = await newSandbox();
    await provider.setLabels(id, { 'share-abc': '123' });
    expect((await provider.get(id))?.labels['share-abc']).toBe('123');
    expect((await provider.list({ owner: 'o1' })).map((s) => s.id)).toContain(id);
    await provider.setLabels(id, { 'share-abc': '' });
    expect((await provider.get(id))?.labels).not.toHaveProperty('share-abc');
    await provider.delete(id);
    expect(await provider.get(id)).toBeNull();
    await expect(provider.exec(id, 'true')).rejects.toThrow(/does not exist/);
  });
});

describe('LocalProvider after a restart', () => {
  it('finds the sandboxes of an earlier run stopped, and bounds their disk use oldest first', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'appforge-restart-'));
    const logs: string[] = [];
    try {
      const before = new LocalProvider({ dataDir: dir, portBase: 22300, commandTimeoutMs: 30_000, maxOutputBytes: 100_000, memoryMb: 2048 });
      const ids: string[] = [];
      for (let i = 0; i < 4; i++) {
        const { id } = await before.create({ app: 'appforge', owner: 'o', project: `p${i}` });
        // 1 MB each, written from inside the sandbox; creation times one apart so "oldest" is clear.
        expect((await before.exec(id, 'head -c 1048576 /dev/zero > blob.bin')).exitCode).toBe(0);
        ids.push(id);
        await new Promise((r) => setTimeout(r, 5));
      }
      expect((await before.list({ app: 'appforge' })).every((s) => s.state === 'started')).toBe(true);

      // The server restarts (its processes died with it): a new provider over the same directory.
      const after = new LocalProvider({ dataDir: dir, portBase: 22300, commandTimeoutMs: 30_000, maxOutputBytes: 100_000, memoryMb: 2048, maxDiskMb: 3, log: (l) => logs.push(l) });
      expect((await after.list({ app: 'appforge' })).map((s) => s.state)).toEqual(['stopped', 'stopped', 'stopped', 'stopped']);
      // One of them is used again: it runs, and is never removed for disk space.
      expect((await after.exec(ids[0], 'true')).exitCode).toBe(0);
      await after.reconcile();
      const left = (await after.list({ app: 'appforge' })).map((s) => s.id).sort();
      expect(left).toEqual([ids[0], ids[3]].sort());
      expect(logs).toHaveLength(2);
      expect(logs[0]).toMatch(new RegExp(`removed stopped sandbox ${ids[1]} \\(1 MB`));
      expect(logs[1]).toMatch(new RegExp(`removed stopped sandbox ${ids[2]}`));
      for (const sandbox of await after.list({ app: 'appforge' })) await after.delete(sandbox.id);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
