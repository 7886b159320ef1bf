import type { Server, ServerOptions } from 'node:http';
import type { Socket } from 'node:net';
import type { ServerEnv } from '../env.server';
import { addressKey } from './rate-limits.server';

/**
 * Bounds on slow and greedy clients (slowloris) for the Node server. Node's own timers do the
 * timing: `headersTimeout` and `requestTimeout` count from a request's first byte (or the
 * connection's opening) until the request has fully arrived, so neither cuts an answer that
 * streams for minutes nor an upgraded WebSocket; sockets are counted per client address here.
 */
export interface SlowClientLimits {
  headersTimeoutMs: number;
  requestTimeoutMs: number;
  keepAliveTimeoutMs: number;
  maxRequestsPerSocket: number;
  maxConnectionsPerAddress: number;
}

export function slowClientLimits(env: ServerEnv): SlowClientLimits {
  return {
    headersTimeoutMs: env.SERVER_HEADERS_TIMEOUT_S * 1000,
    requestTimeoutMs: env.SERVER_REQUEST_TIMEOUT_S * 1000,
    keepAliveTimeoutMs: env.SERVER_KEEP_ALIVE_TIMEOUT_S * 1000,
    maxRequestsPerSocket: env.SERVER_MAX_REQUESTS_PER_SOCKET,
    maxConnectionsPerAddress: env.SERVER_MAX_CONNECTIONS_PER_IP,
  };
}

/** Options for `http.createServer`. */
export function httpServerOptions(limits: SlowClientLimits): ServerOptions {
  return {
    headersTimeout: limits.headersTimeoutMs,
    requestTimeout: limits.requestTimeoutMs,
    keepAliveTimeout: limits.keepAliveTimeoutMs,
    // Node checks the two timeouts on this interval (30 s by default, which would let a half-sent request live 50% longer).
    connectionsCheckingInterval: Math.min(5000, Math.max(250, Math.round(limits.headersTimeoutMs / 4))),
  };
}

const REFUSAL_LOG_MS = 60_000;

/**
 * Applies the keep-alive cap and the per-address connection cap to `server`. A socket over its
 * address's cap is destroyed as soon as it is accepted, so one client cannot take the process's
 * file descriptors. `exempt` says which peers are trusted proxies: behind one, every client
 * shares its address, and the proxy bounds its clients itself.
 */
export function boundSlowClients(server: Server, limits: SlowClientLimits, exempt: (address: string) => boolean = () => false) {
  server.keepAliveTimeout = limits.keepAliveTimeoutMs;
  server.maxRequestsPerSocket = limits.maxRequestsPerSocket;
  closeAfterDroppedRequests(server);
  const open = new Map<string, number>();
  const refusals = new Map<string, { since: number; count: number }>();
  server.on('connection', (socket: Socket) => {
    const address = socket.remoteAddress;
    if (!address || exempt(address)) return;
    const key = addressKey(address);
    const count = open.get(key) ?? 0;
    if (count >= limits.maxConnectionsPerAddress) {
      socket.destroy();
      logRefusal(refusals, key, limits.maxConnectionsPerAddress);
      return;
    }
    open.set(key, count + 1);
    socket.once('close', () => {
      const left = (open.get(key) ?? 1) - 1;
      if (left > 0) open.set(key, left);
      else open.delete(key);
    });
  });
}

/**
 * Past `maxRequestsPerSocket` Node answers 503 ("dropRequest") but keeps the socket open for a
 * client that ignored "Connection: close": it is closed once that answer, and any pipelined
 * answer still streaming before it, has gone out.
 */
function closeAfterDroppedRequests(server: Server) {
  const inFlight = new WeakMap<Socket, number>();
  const closing = new WeakSet<Socket>();
  server.on('request', (req, res) => {
    const socket = req.socket;
    inFlight.set(socket, (inFlight.get(socket) ?? 0) + 1);
    res.once('close', () => {
      const left = (inFlight.get(socket) ?? 1) - 1;
      inFlight.set(socket, left);
      if (left === 0 && closing.has(socket)) setImmediate(() => socket.end());
    });
  });
  server.on('dropRequest', (_req: unknown, socket: Socket) => {
    if (inFlight.get(socket)) closing.add(socket);
    else setImmediate(() => socket.end());
  });
}

/** One line per address and minute, with how many were refused in the minute before. */
function logRefusal(refusals: Map<string, { since: number; count: number }>, key: string, max: number, now = Date.now()) {
  const entry = refusals.get(key);
  if (entry && now - entry.since < REFUSAL_LOG_MS) {
    entry.count += 1;
    return;
  }
  const before = entry?.count ? ` (${entry.count} more refused in the minute before)` : '';
  console.warn(`connections: ${key} already holds ${max} connections, the most one address may; closing new ones${before}`);
  refusals.set(key, { since: now, count: 0 });
  // Forget quiet addresses, so the map cannot grow with every client that was ever refused.
  for (const [other, value] of refusals) if (now - value.since > REFUSAL_LOG_MS) refusals.delete(other);
}
