/**
 * Where a project should run: in the browser (WebContainer) or in a cloud sandbox. A pure
 * function of what is known so far, evaluated again as the answer streams. Precedence: the
 * user's explicit choice; then hard signals (anything the browser runtime cannot do → cloud);
 * then a soft score from the prompt; else the browser. Reasons are sentences for the user.
 */
import { isBrowserToolchain, type PackageVerdict } from './package-facts';
import { parsePackageJson } from '../package-json';

export type RuntimeTarget = 'browser' | 'cloud';

export interface RouteInput {
  prompt?: string;
  /** Project files: paths, with contents where known (package.json, schema.prisma are read). */
  files?: Record<string, string>;
  /** Shell and start commands of the answer so far. */
  commands?: string[];
  userChoice?: RuntimeTarget;
  /** What the registry says of the project's dependencies, as far as it has answered yet. */
  packages?: Record<string, PackageVerdict>;
  /** What the browser can do: not cross-origin isolated, or WebContainer failed to boot. */
  browser?: { crossOriginIsolated?: boolean; bootError?: string };
}

export interface RouteDecision {
  target: RuntimeTarget;
  reasons: string[];
  /** True when the browser cannot run this project at all (so "Run in browser" is not offered). */
  hard: boolean;
}

const NATIVE_ADDONS: Record<string, string> = {
  'better-sqlite3': 'better-sqlite3',
  sqlite3: 'sqlite3',
  bcrypt: 'bcrypt',
  argon2: 'argon2',
  sharp: 'sharp',
  canvas: 'canvas',
  'node-pty': 'node-pty',
  serialport: 'serialport',
  leveldown: 'leveldown',
  '@tensorflow/tfjs-node': '@tensorflow/tfjs-node',
  re2: 're2',
  'isolated-vm': 'isolated-vm',
  'cpu-features': 'cpu-features',
  duckdb: 'duckdb',
  'node-canvas': 'node-canvas',
  'lmdb': 'lmdb',
};

/** Packages that download and drive a real browser or desktop binary (their manifests may not show it). */
const BROWSER_BINARIES: Record<string, string> = {
  puppeteer: 'Chrome',
  playwright: 'browser builds',
  'playwright-core': 'browser builds',
  '@playwright/test': 'browser builds',
  cypress: 'the Cypress app',
  electron: 'Electron',
  chromedriver: 'ChromeDriver',
  'selenium-webdriver': 'browser drivers',
};

const TCP_CLIENTS: Record<string, string> = {
  pg: 'PostgreSQL',
  'pg-promise': 'PostgreSQL',
  postgres: 'PostgreSQL',
  mysql: 'MySQL',
  mysql2: 'MySQL',
  mongodb: 'MongoDB',
  mongoose: 'MongoDB',
  ioredis: 'Redis',
  redis: 'Redis',
  tedious: 'SQL Server',
  mssql: 'SQL Server',
  oracledb: 'Oracle',
  'cassandra-driver': 'Cassandra',
  amqplib: 'RabbitMQ',
  kafkajs: 'Kafka',
  nodemailer: 'an SMTP server',
};

/** Clients that talk HTTP: they keep a project browser-eligible. */
const HTTP_SERVICES: Record<string, string> = {
  '@supabase/supabase-js': 'Supabase',
  '@neondatabase/serverless': 'Neon serverless',
  '@libsql/client': 'libSQL',
  '@upstash/redis': 'Upstash',
  firebase: 'Firebase',
  '@planetscale/database': 'PlanetScale serverless',
  convex: 'Convex',
  pocketbase: 'PocketBase',
};

const LANGUAGE_FILES: Array<[RegExp, string]> = [
  [/(^|\/)(requirements[^/]*\.txt|pyproject\.toml|Pipfile|setup\.py|manage\.py)$/, 'needs Python'],
  [/\.py$/, 'needs Python'],
  [/(^|\/)go\.mod$|\.go$/, 'needs Go'],
  [/(^|\/)Cargo\.toml$|\.rs$/, 'needs Rust'],
  [/(^|\/)(Gemfile|Rakefile)$|\.rb$/, 'needs Ruby'],
  [/(^|\/)composer\.json$|\.php$/, 'needs PHP'],
  [/(^|\/)(pom\.xml|build\.gradle(\.kts)?)$|\.java$|\.kt$/, 'needs Java'],
  [/(^|\/)(Dockerfile|docker-compose\.ya?ml|compose\.ya?ml)$/, 'uses Docker'],
];

const COMMANDS: Array<[RegExp, string]> = [
  [/^(pip3?|python3?|uvicorn|gunicorn|flask|django-admin|poetry|uv|pipenv)\b/, 'needs Python'],
  [/^(apt-get|apt|yum|apk|brew)\b/, 'installs system packages'],
  [/^(docker|docker-compose|podman)\b/, 'uses Docker'],
  [/^(psql|pg_ctl|postgres|initdb|mysql|mysqld|redis-server|redis-cli|mongod|mongosh)\b/, 'runs a database server'],
  [/^(go)\b/, 'needs Go'],
  [/^(cargo|rustc)\b/, 'needs Rust'],
  [/^(java|javac|mvn|gradle)\b/, 'needs Java'],
  [/^(ruby|bundle|rails|gem)\b/, 'needs Ruby'],
  [/^(php|composer)\b/, 'needs PHP'],
];

const PROMPT_CLOUD: Array<[RegExp, string]> = [
  [/\b(python|flask|django|fastapi|pandas|numpy)\b/i, 'the request mentions Python'],
  [/\b(postgres(ql)?|mysql|mongo(db)?|redis|mariadb)\b/i, 'the request mentions a database server'],
  [/\b(docker|container image)\b/i, 'the request mentions Docker'],
  [/\b(bcrypt|argon2|better-sqlite3|sqlite3|sharp|native addons?)\b/i, 'the request mentions a native Node addon'],
  [/\b(golang|go server|rust|ruby on rails|rails|php|laravel|java|spring boot)\b/i, 'the request mentions a language the browser cannot run'],
  [/\b(public url|webhooks?|cron jobs?|background workers?)\b/i, 'the request needs a server reachable from outside'],
  [/\b(api keys?|secrets?|private keys?)\b.*\b(server|backend)\b|\b(server|backend)\b.*\b(api keys?|secrets?)\b/i, 'the request keeps secrets on a server'],
];

const PROMPT_BROWSER: Array<[RegExp, string]> = [[/\b(supabase|neon serverless|libsql|turso|upstash|firebase|pocketbase)\b/i, 'uses an HTTP-based service, which the browser can reach']];

export function classify(input: RouteInput): RouteDecision {
  const hard = new Set<string>();
  const soft = new Set<string>();
  const browserNotes = new Set<string>();
  const files = input.files ?? {};
  const paths = Object.keys(files);

  for (const path of paths) {
    for (const [pattern, need] of LANGUAGE_FILES) {
      if (pattern.test(path)) {
        hard.add(`${need}: ${path}`);
        break;
      }
    }
  }

  const pkg = parsePackageJson(files['package.json']);
  if (pkg) {
    const deps = { ...pkg.dependencies, ...pkg.devDependencies, ...pkg.optionalDependencies };
    for (const name of Object.keys(deps)) {
      if (NATIVE_ADDONS[name]) hard.add(`${NATIVE_ADDONS[name]} is a native addon, which the browser runtime cannot load`);
      else if (TCP_CLIENTS[name]) hard.add(`${name} connects to ${TCP_CLIENTS[name]} over raw TCP, which the browser runtime cannot open`);
      else if (name === 'prisma' || name === '@prisma/client') hard.add('Prisma runs a native query engine, which the browser runtime cannot load');
      else if (BROWSER_BINARIES[name]) hard.add(`${name} downloads and runs ${BROWSER_BINARIES[name]}, which the browser runtime cannot run`);
      else if (HTTP_SERVICES[name]) browserNotes.add(`${HTTP_SERVICES[name]} is reached over HTTP, which works in the browser`);
      else if (!isBrowserToolchain(name) && input.packages?.[name]?.needsServer) hard.add(input.packages[name].needsServer!);
    }
    for (const script of ['preinstall', 'install', 'postinstall']) {
      if (pkg.scripts?.[script]) soft.add(`package.json runs an ${script} script, which may need a real machine`);
    }
  }
  const prismaSchema = paths.find((p) => p.endsWith('schema.prisma'));
  if (prismaSchema) {
    const provider = /provider\s*=\s*"(postgresql|mysql|sqlserver|mongodb|cockroachdb|sqlite)"/.exec(files[prismaSchema] ?? '')?.[1];
    hard.add(`Prisma${provider ? ` with ${provider}` : ''} needs a native query engine: ${prismaSchema}`);
  }

  for (const raw of input.commands ?? []) {
    for (const part of raw.split(/&&|\|\||;|\|/)) {
      const command = part.trim().replace(/^(sudo|npx|exec)\s+/, '');
      for (const [pattern, need] of COMMANDS) {
        if (pattern.test(command)) {
          hard.add(`${need}: \`${part.trim().slice(0, 60)}\``);
          break;
        }
      }
    }
  }

  if (input.browser?.crossOriginIsolated === false) hard.add('this browser tab is not cross-origin isolated, which the in-browser runtime needs');
  if (input.browser?.bootError) hard.add(`the in-browser runtime could not start: ${input.browser.bootError}`);

  let score = 0;
  for (const [pattern, reason] of PROMPT_CLOUD) {
    if (input.prompt && pattern.test(input.prompt)) {
      soft.add(reason);
      score += 2;
    }
  }
  for (const [pattern, reason] of PROMPT_BROWSER) {
    if (input.prompt && pattern.test(input.prompt)) {
      browserNotes.add(reason);
      score -= 2;
    }
  }
  score += [...soft].filter((r) => r.startsWith('package.json runs')).length;

  const isHard = hard.size > 0;
  if (input.userChoice) {
    const chosen = input.userChoice === 'cloud' ? 'you chose to run it in a cloud sandbox' : 'you chose to run it in the browser';
    return { target: input.userChoice, reasons: [chosen, ...(input.userChoice === 'browser' ? [...hard] : [])], hard: isHard };
  }
  if (isHard) return { target: 'cloud', reasons: [...hard], hard: true };
  if (score >= 2) return { target: 'cloud', reasons: [...soft], hard: false };
  const reasons = [...browserNotes];
  if (pkg && Object.keys({ ...pkg.dependencies, ...pkg.devDependencies }).some((d) => d === 'vite' || d.startsWith('@vitejs/'))) reasons.push('a Vite front end runs in the browser');
  if (reasons.length === 0) reasons.push(paths.length ? 'nothing in the project needs a server the browser cannot run' : 'a light app runs in the browser');
  return { target: 'browser', reasons, hard: false };
}

/**
 * The project's dependencies that no list here decides, once package.json is complete, as
 * `name@range` (what the registry is asked about: the version the project asks for, not latest).
 */
export function dependenciesToLookUp(packageJson: string | undefined): string[] {
  const pkg = parsePackageJson(packageJson);
  if (!pkg) return [];
  const deps = { ...pkg.dependencies, ...pkg.devDependencies, ...pkg.optionalDependencies };
  const listed = (name: string) => NATIVE_ADDONS[name] || TCP_CLIENTS[name] || BROWSER_BINARIES[name] || HTTP_SERVICES[name] || name === 'prisma' || name === '@prisma/client';
  return Object.entries(deps)
    .filter(([name]) => !listed(name) && !isBrowserToolchain(name))
    .map(([name, range]) => (typeof range === 'string' && range.trim() ? `${name}@${range.trim()}` : name));
}

