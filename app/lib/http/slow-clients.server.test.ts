import { createServer, type Server } from 'node:http';
import { connect, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { boundSlowClients, httpServerOptions, type SlowClientLimits } from './slow-clients.server';

const PORT = 49230;
const limits: SlowClientLimits = { headersTimeoutMs: 2000, requestTimeoutMs: 4000, keepAliveTimeoutMs: 5000, maxRequestsPerSocket: 1, maxConnectionsPerAddress: 3 };
let server: Server | undefined;
const sockets: Socket[] = [];

afterEach(async () => {
  for (const socket of sockets.splice(0)) socket.destroy();
  server?.closeAllConnections();
  await new Promise((resolve) => server?.close(resolve) ?? resolve(undefined));
});

/** A server answering with a body streamed over 300 ms, bounded as server.ts bounds it. */
async function start(exempt?: (address: string) => boolean) {
  server = createServer(httpServerOptions(limits), (_req, res) => {
    res.write('start ');
    setTimeout(() => res.end('done'), 300);
  });
  boundSlowClients(server, limits, exempt);
  await new Promise<void>((resolve) => server!.listen(PORT, '127.0.0.1', resolve));
}

/** A raw connection: what it received, and whether the server closed it. */
function open(from = '127.0.0.1') {
  const socket = connect({ host: '127.0.0.1', port: PORT, localAddress: from });
  sockets.push(socket);
  const state = { socket, received: '', closed: false };
  socket.on('data', (chunk) => (state.received += chunk.toString('latin1')));
  socket.on('close', () => (state.closed = true));
  socket.on('error', () => {});
  return state;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('slow clients', () => {
  it('closes connections over the per-address cap on arrival, leaving other addresses and trusted proxies alone', async () => {
    await start((address) => address === '127.0.0.9');
    const one = Array.from({ length: 5 }, () => open('127.0.0.3'));
    const other = open('127.0.0.4');
    const proxy = Array.from({ length: 5 }, () => open('127.0.0.9'));
    await sleep(300);
    expect(one.map((c) => c.closed)).toEqual([false, false, false, true, true]);
    expect(other.closed).toBe(false);
    expect(proxy.every((c) => !c.closed)).toBe(true);
    // A slot is free again once a connection closes.
    one[0].socket.destroy();
    await sleep(100);
    expect(open('127.0.0.3').closed).toBe(false);
    await sleep(200);
    expect(sockets.at(-1)!.destroyed).toBe(false);
  });

  it('closes a connection whose headers never end after the header timeout', async () => {
    await start();
    const slow = open();
    slow.socket.write('GET / HTTP/1.1\r\nHost: x\r\n');
    const began = Date.now();
    while (!slow.closed && Date.now() - began < 6000) await sleep(50);
    expect(slow.closed).toBe(true);
    expect(Date.now() - began).toBeLessThan(limits.headersTimeoutMs + 1500);
  });

  it('past the request cap, finishes the answer still streaming, refuses the next request and closes', async () => {
    await start();
    const client = open();
    // Pipelined: the second request arrives while the first answer streams.
    client.socket.write('GET / HTTP/1.1\r\nHost: x\r\n\r\nGET / HTTP/1.1\r\nHost: x\r\n\r\n');
    const began = Date.now();
    while (!client.closed && Date.now() - began < 3000) await sleep(20);
    expect(client.received).toMatch(/^HTTP\/1\.1 200 OK\r\n[\s\S]*start [\s\S]*done[\s\S]*HTTP\/1\.1 503 /);
    expect(client.closed).toBe(true);
  });
});
