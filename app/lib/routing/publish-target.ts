import { parsePackageJson } from '../package-json';
import type { OutputDir } from '../runtime/runtime';

/**
 * Where a project is published by default, and why (shown in the Publish dialog): a site whose
 * build makes static files, or a plain page, goes to a static host; an app with its own server
 * (Express, a Python server, a start script that is not a dev server) is published as a sandbox
 * that keeps running. The person can pick the other target.
 */
export interface PublishPlan {
  target: 'static' | 'sandbox';
  reason: string;
  /** The project's own build command (static sites that have one). */
  build?: string;
  /** Where the build output is looked for, in order. */
  dirs: OutputDir[];
}

/** Packages that mean the project runs a server of its own. */
const SERVER_PACKAGES = ['express', 'fastify', 'koa', '@hapi/hapi', '@nestjs/core', 'socket.io', 'ws', '@hono/node-server', 'restify', 'sqlite3', 'better-sqlite3', 'sql.js', 'pg', 'mysql2', 'mongodb', 'mongoose', '@prisma/client'];
const PYTHON_SERVER = /^(app|main|server|manage)\.py$/;
/** Dev servers and static builders: a start script running one of these is not a server of the app's own. */
const STATIC_TOOLS = /\b(vite|react-scripts|parcel|webpack|astro|serve|http-server|live-server)\b/;

export function publishPlan(files: Record<string, string>): PublishPlan {
  const python = Object.keys(files).find((path) => PYTHON_SERVER.test(path));
  if (python) return { target: 'sandbox', reason: `it runs a Python server (${python})`, dirs: [] };
  const pkg = parsePackageJson(files['package.json']);
  const deps = { ...pkg?.dependencies, ...pkg?.devDependencies };
  const server = SERVER_PACKAGES.find((name) => name in deps);
  if (server) return { target: 'sandbox', reason: `it has a server of its own (${server})`, dirs: [] };
  const build = pkg?.scripts?.build;
  if (build) return { target: 'static', reason: `its build (\`${build}\`) makes static files`, build: 'npm run build', dirs: ['dist', 'build', 'out'] };
  const start = pkg?.scripts?.start;
  if (start && !STATIC_TOOLS.test(start)) return { target: 'sandbox', reason: `it starts a server (\`${start}\`)`, dirs: [] };
  if ('index.html' in files) return { target: 'static', reason: 'it is a plain page: its files are the site', dirs: ['.'] };
  return { target: 'sandbox', reason: 'it has no build and no index.html, so it needs its own start command', dirs: [] };
}
