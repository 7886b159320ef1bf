// The app's Node server: Remix behind Express, with Vite as middleware in development.
// One process and one origin, so the preview proxy of the sandbox runtime can live here too.
import { createRequestHandler } from '@remix-run/express';
import type { ServerBuild } from '@remix-run/node';
import compression from 'compression';
import express from 'express';
import { EventEmitter } from 'node:events';
import { existsSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { ConfigError, configWarnings, parseServerEnv } from './app/lib/env.server';
import { SECURITY_HEADERS } from './app/lib/http/security-headers.server';
import { RateLimits } from './app/lib/http/rate-limits.server';
import { WorkerChatStreamer } from './app/lib/llm/worker-chat-streamer.server';
import { Sessions } from './app/lib/http/session.server';
import { resolveSessionSecret } from './app/lib/http/session-secret.server';
import { createSandboxService } from './app/lib/sandbox/create-sandbox-service.server';
import { createPreviewProxy } from './app/lib/sandbox/preview-proxy.server';
import { RegistryLookup } from './app/lib/routing/registry-lookup.server';
import { logConnectionError } from './app/lib/http/connection-errors.server';
import { boundSlowClients, httpServerOptions, slowClientLimits } from './app/lib/http/slow-clients.server';
import './app/load-context';

// .env fills in what the environment does not set (ENV_FILE names another file; empty: none).
const envFile = process.env.ENV_FILE ?? '.env';
if (envFile && existsSync(envFile)) process.loadEnvFile(envFile);

let env;
try {
  env = parseServerEnv(process.env);
} catch (error) {
  if (error instanceof ConfigError) {
    console.error(error.message);
    process.exit(1);
  }
  throw error;
}
for (const warning of configWarnings(env)) console.warn(`warning: ${warning}`);

const production = process.env.NODE_ENV === 'production';
const secret = resolveSessionSecret(env.SESSION_SECRET, env.SANDBOX_DATA_DIR);
const sessions = new Sessions(secret, production);
const { service: sandboxes, previewHost } = await createSandboxService(env, secret).catch((error: unknown) => {
  if (!(error instanceof ConfigError)) throw error;
  console.error(error.message);
  process.exit(1);
});
// With PREVIEW_HOST on its own domain, the workbench is at APP_HOST; in development, previews are <token>.localhost:PORT beside the app at localhost:PORT.
const appHost = env.APP_HOST ?? (env.PREVIEW_HOST ? undefined : previewHost);
const preview = createPreviewProxy(sandboxes, { previewHost, sessionCookieName: sessions.cookieName, appHost });
sandboxes.startReaper();
const chat = new WorkerChatStreamer(env);
const registry = new RegistryLookup({ registryUrl: env.NPM_REGISTRY_URL });
const limits = new RateLimits({
  chatPerSession: env.CHAT_RATE_PER_MINUTE,
  chatPerIp: env.CHAT_RATE_PER_MINUTE_PER_IP,
  createsPerSession: env.SANDBOX_CREATES_PER_MINUTE,
  createsPerIp: env.SANDBOX_CREATES_PER_MINUTE_PER_IP,
});
console.log(`sandboxes: ${sandboxes.provider.name} provider; previews at http://<token>.${previewHost}/`);

const app = express();
// Slow clients are cut off by Node's header and request timeouts; no address may hold more than its share of sockets.
const slowClients = slowClientLimits(env);
const server = createServer(httpServerOptions(slowClients), app);
// Vite's HMR WebSocket rides on this server (no second port to collide with another instance).
// It only sees the upgrades routed to it below, never a preview's own HMR socket.
const viteUpgrades = new EventEmitter();
const vite = production
  ? undefined
  : await import('vite').then((v) =>
      v.createServer({
        appType: 'custom',
        server: {
          middlewareMode: true,
          hmr: { server: viteUpgrades as unknown as Server },
          cors: false,
          // Sandbox data is never served or watched, wherever SANDBOX_DATA_DIR points.
          fs: { deny: ['.env', '.env.*', '*.{crt,pem}', '**/.git/**', `${env.SANDBOX_DATA_DIR}/**`] },
          watch: { ignored: [`${env.SANDBOX_DATA_DIR}/**`] },
        },
      }),
    );

app.disable('x-powered-by');
if (env.TRUST_PROXY) app.set('trust proxy', /^\d+$/.test(env.TRUST_PROXY) ? Number(env.TRUST_PROXY) : env.TRUST_PROXY);
const trustsProxy = app.get('trust proxy fn') as (address: string, hop: number) => boolean;
boundSlowClients(server, slowClients, (address) => Boolean(env.TRUST_PROXY) && trustsProxy(address, 0));
// Preview hosts (<token>.<preview host>) go to the sandbox, before anything of the app's own.
app.use((req, res, next) => void preview.handle(req, res, next));
app.use((_req, res, next) => {
  for (const [name, value] of Object.entries(SECURITY_HEADERS)) res.setHeader(name, value);
  next();
});
// Pages and assets are compressed; API responses are small JSON or streams that must reach the
// browser unbuffered, and skipping them saves work on every chunk of every chat stream.
const compress = compression();
app.use((req, res, next) => (req.path.startsWith('/api/') ? next() : compress(req, res, next)));

// Answered before anything else, so that it stays fast when the server is busy.
app.get('/api/health', (_req, res) => {
  res.json({ ok: true, uptime: Math.round(process.uptime()) });
});

if (vite) {
  app.use(vite.middlewares);
} else {
  app.use('/assets', express.static('build/client/assets', { immutable: true, maxAge: '1y' }));
  // Static files never live under /api: those requests skip the file system.
  const files = express.static('build/client', { maxAge: '1h' });
  app.use((req, res, next) => (req.path.startsWith('/api/') ? next() : files(req, res, next)));
}

const build = vite
  ? () => vite.ssrLoadModule('virtual:remix/server-build') as Promise<ServerBuild>
  : ((await import(new URL('./build/server/index.js', import.meta.url).href)) as ServerBuild);
app.all('*', createRequestHandler({ build, mode: production ? 'production' : 'development', getLoadContext: (req) => ({ env, sandboxes, sessions, limits, chat, registry, clientIp: req.ip ?? req.socket.remoteAddress ?? 'unknown' }) }));

const onListening = () => console.log(`AppForge is running at http://localhost:${env.PORT}`);
// Loopback only, unless HOST says otherwise: the app runs code for whoever reaches it.
const loopback = env.HOST === 'localhost' || env.HOST === '127.0.0.1' || env.HOST === '::1';
if (!loopback) console.warn(`warning: listening on ${env.HOST}: anyone who can reach it can run code in sandboxes. Put it behind authentication.`);
server.listen(env.PORT, env.HOST === 'localhost' ? '127.0.0.1' : env.HOST, onListening);
server.on('clientError', (error, socket) => {
  logConnectionError('http client', error);
  socket.destroy();
});

server.on('upgrade', (req, socket, head) => {
  // Node removes its own error handler before 'upgrade': without one, a reset socket would crash the server.
  socket.on('error', (error) => {
    logConnectionError('websocket', error);
    socket.destroy();
  });
  try {
    if (preview.upgrade(req, socket, head)) return;
    if (vite && isViteHmr(req)) viteUpgrades.emit('upgrade', req, socket, head);
    else socket.destroy();
  } catch (error) {
    logConnectionError('websocket', error);
    socket.destroy();
  }
});

function isViteHmr(req: IncomingMessage) {
  const protocol = req.headers['sec-websocket-protocol'];
  // String checks only: a URL parser throws on some request targets ("//"), here outside any try.
  const path = (req.url ?? '/').split('?')[0];
  return (protocol === 'vite-hmr' || protocol === 'vite-ping') && path === '/';
}

async function shutdown(signal: string) {
  console.log(`${signal}: shutting down`);
  setTimeout(() => process.exit(0), 5000).unref();
  server.close();
  sandboxes.stopReaper();
  await Promise.allSettled([sandboxes.shutdown(), chat.close(), vite?.close()]);
  process.exit(0);
}
process.on('SIGTERM', () => void shutdown('SIGTERM'));
process.on('SIGINT', () => void shutdown('SIGINT'));
