// The app's Node server: Remix behind Express, with Vite as middleware in development.
// One process and one origin, so the preview proxy of the sandbox runtime can live here too.
import { createRequestHandler } from '@remix-run/express';
import type { ServerBuild } from '@remix-run/node';
import compression from 'compression';
import express from 'express';
import { existsSync } from 'node:fs';
import { ConfigError, configWarnings, parseServerEnv } from './app/lib/env.server';
import { SECURITY_HEADERS } from './app/lib/http/security-headers.server';

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
const vite = production
  ? undefined
  : await import('vite').then((v) => v.createServer({ server: { middlewareMode: true }, appType: 'custom' }));

const app = express();
app.disable('x-powered-by');
app.use((_req, res, next) => {
  for (const [name, value] of Object.entries(SECURITY_HEADERS)) res.setHeader(name, value);
  next();
});
// Streams (the chat's server-sent events) must reach the browser unbuffered.
app.use(compression({ filter: (req, res) => !String(res.getHeader('Content-Type') ?? '').includes('text/event-stream') && compression.filter(req, res) }));

if (vite) {
  app.use(vite.middlewares);
} else {
  app.use('/assets', express.static('build/client/assets', { immutable: true, maxAge: '1y' }));
  app.use(express.static('build/client', { maxAge: '1h' }));
}

const build = vite
  ? () => vite.ssrLoadModule('virtual:remix/server-build') as Promise<ServerBuild>
  : ((await import(new URL('./build/server/index.js', import.meta.url).href)) as ServerBuild);
app.all('*', createRequestHandler({ build, mode: production ? 'production' : 'development' }));

const onListening = () => console.log(`AppForge is running at http://localhost:${env.PORT}`);
// "localhost" listens on every loopback address (IPv4 and IPv6), as browsers may use either.
const server = env.HOST === 'localhost' ? app.listen(env.PORT, onListening) : app.listen(env.PORT, env.HOST, onListening);

function shutdown(signal: string) {
  console.log(`${signal}: shutting down`);
  server.close();
  void vite?.close();
  setTimeout(() => process.exit(0), 2000).unref();
}
process.on('SIGTERM', () => shutdown('SIGTERM'));
process.on('SIGINT', () => shutdown('SIGINT'));
