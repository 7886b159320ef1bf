import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { getDomain } from 'tldts';
import { z } from 'zod';
import { daytonaResourceVars, daytonaSizeProblem } from './sandbox/daytona/daytona-settings.server';

/**
 * The whole server configuration, validated once. Nothing here is sent to the browser; routes
 * pick the few values a page may see (the default model) one by one.
 */
const OPENROUTER_URL = 'https://openrouter.ai/api/v1';

const int = (fallback: number, min: number, max: number) =>
  z.coerce.number().int().min(min).max(max).default(fallback);

const schema = z.object({
  ...daytonaResourceVars,
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  PORT: int(5173, 1, 65535),
  HOST: z.string().min(1).default('localhost'),
  OPENROUTER_API_KEY: z.string().trim().optional(),
  OPENROUTER_BASE_URL: z.url({ message: 'must be a URL such as https://openrouter.ai/api/v1' }).default(OPENROUTER_URL),
  DEFAULT_MODEL: z.string().trim().min(1).default('anthropic/claude-sonnet-4.5'),
  /** Seconds without a byte from the model before the answer is ended as stalled. */
  LLM_STALL_TIMEOUT_S: int(60, 1, 3600),
  /** Retries of a failed model request (429 and 5xx), with the SDK's backoff. */
  LLM_MAX_RETRIES: int(2, 0, 10),
  /** How many times an answer cut at the model's output limit is continued. */
  LLM_MAX_CONTINUATIONS: int(2, 0, 8),
  /** Output tokens one model request may produce (each continuation is another request). */
  LLM_MAX_OUTPUT_TOKENS: int(16_000, 256, 200_000),
  /** Comma-separated model ids the server offers (default: DEFAULT_MODEL and a short curated list; with a non-OpenRouter endpoint also what its /models lists). */
  MODELS: z.string().trim().optional(),
  /** Largest accepted /api/chat request body, in bytes. */
  CHAT_MAX_BODY_BYTES: int(10_000_000, 10_000, 50_000_000),
  AUTO_FIX_TOKEN_BUDGET: int(300_000, 1_000, 100_000_000),
  /** Agent mode: model requests with tool calls one request of the user's may take, and the tokens (in + out) they may use. */
  AGENT_MAX_STEPS: int(25, 1, 200),
  AGENT_TOKEN_BUDGET: int(500_000, 1_000, 100_000_000),
  /** Chat requests allowed per minute, per browser session and per client IP address. */
  CHAT_RATE_PER_MINUTE: int(20, 1, 100_000),
  CHAT_RATE_PER_MINUTE_PER_IP: int(60, 1, 1_000_000),
  /** The npm registry whose package manifests routing reads (default: npm's own setting, else registry.npmjs.org). */
  NPM_REGISTRY_URL: z.url().optional(),
  /** Behind a reverse proxy: Express's "trust proxy" setting (e.g. 1, or loopback), so the client IP is right. */
  TRUST_PROXY: z.string().trim().optional(),
  /**
   * Slow clients (slowloris): seconds a client may take to send a request's headers, and its
   * whole request (an answer streamed back is not bounded by them, nor an upgraded WebSocket).
   */
  SERVER_HEADERS_TIMEOUT_S: int(20, 1, 3600),
  SERVER_REQUEST_TIMEOUT_S: int(120, 1, 86_400),
  /** Seconds an idle keep-alive connection stays open, and requests one connection may carry before it is closed. */
  SERVER_KEEP_ALIVE_TIMEOUT_S: int(5, 1, 600),
  SERVER_MAX_REQUESTS_PER_SOCKET: int(1000, 1, 1_000_000),
  /** Open connections one client address may hold (an IPv6 /64 is one address; a trusted proxy's own address is not capped). */
  SERVER_MAX_CONNECTIONS_PER_IP: int(256, 1, 1_000_000),

  /** Signs the anonymous session cookie. Required in production; generated and kept in the data dir otherwise. */
  SESSION_SECRET: z.string().min(32, 'must be at least 32 characters (try: openssl rand -hex 32)').optional(),
  /** Cloudflare Pages: shared with the preview host's forwarding Worker (workers/preview-forwarder.ts). */
  PREVIEW_FORWARDER_SECRET: z.string().min(32, 'must be at least 32 characters (try: openssl rand -hex 32)').optional(),
  SANDBOX_PROVIDER: z.enum(['local', 'daytona']).optional(),
  DAYTONA_API_KEY: z.string().trim().optional(),
  DAYTONA_API_URL: z.url().default('https://app.daytona.io/api'),
  DAYTONA_TARGET: z.string().trim().optional(),
  /** A snapshot with common dependencies preinstalled, so installs in new sandboxes are fast. */
  DAYTONA_SNAPSHOT: z.string().trim().optional(),
  /**
   * Where the local provider keeps sandboxes, the npm caches and its records. Outside the
   * app's source tree by default, so nothing a sandbox writes can reach the app's dev server.
   */
  SANDBOX_DATA_DIR: z.string().min(1).optional(),
  /** Where Local sandboxes' npm caches live, one per session (default: inside SANDBOX_DATA_DIR). */
  SANDBOX_NPM_CACHE_DIR: z.string().min(1).optional(),
  SANDBOX_PORT_BASE: int(42000, 1024, 64000),
  SANDBOX_COMMAND_TIMEOUT_S: int(900, 1, 86_400),
  SANDBOX_MAX_OUTPUT_BYTES: int(5_000_000, 10_000, 500_000_000),
  SANDBOX_MEMORY_MB: int(4096, 1024, 1_048_576),
  /** Disk all Local sandboxes may take together; past it the oldest stopped ones are removed. */
  SANDBOX_MAX_DISK_MB: int(20_480, 100, 100_000_000),
  /** Disk one Local sandbox's project, and one session's npm cache, may each fill (a loop-mounted volume when the server runs as root; 0: unbounded). */
  SANDBOX_DISK_MB: int(4096, 0, 1_000_000),
  /**
   * The most the npm cache every Local sandbox reads, filled only by the server, may hold (MiB;
   * 0: none, each session's first install is cold). Needs root and overlayfs.
   */
  SANDBOX_SHARED_NPM_CACHE_MB: int(4096, 0, 1_000_000),
  /**
   * Private IPv4 ranges (comma-separated CIDR) Local sandboxes may still reach from their own
   * network: a registry mirror or a service on the private network. Everything private is
   * unreachable otherwise.
   */
  SANDBOX_NETWORK_ALLOW: z
    .string()
    .optional()
    .transform((value) => (value ?? '').split(',').map((range) => range.trim()).filter(Boolean))
    .refine((ranges) => ranges.every((range) => /^(\d{1,3}\.){3}\d{1,3}\/\d{1,2}$/.test(range)), 'comma-separated IPv4 CIDR ranges, such as 10.1.2.3/32'),
  /** CPUs' worth of time one Local sandbox may use (cgroup cpu, when the server runs as root); default: all but one, at least 1. */
  SANDBOX_CPUS: z.coerce.number().min(0.1).max(1024).optional(),
  /** Processes and threads one Local sandbox may have at once (cgroup pids, when the server runs as root). */
  SANDBOX_MAX_PIDS: int(512, 16, 1_000_000),
  /** Size of each Local sandbox's /tmp (kept in memory). */
  SANDBOX_TMP_MB: int(512, 16, 65_536),
  /** The largest compressed archive of a cloud sandbox's own state (databases, uploads) a version keeps, and a restore takes back. */
  SANDBOX_STATE_MAX_MB: int(20, 1, 500),
  SANDBOX_MAX_PER_SESSION: int(3, 1, 1000),
  SANDBOX_MAX_TOTAL: int(20, 1, 100_000),
  /** Running sandboxes one client address may have, whatever its sessions (so one client cannot fill the total). */
  SANDBOX_MAX_PER_IP: int(6, 1, 100_000),
  SANDBOX_CREATES_PER_MINUTE: int(5, 1, 10_000),
  SANDBOX_CREATES_PER_MINUTE_PER_IP: int(20, 1, 100_000),
  /** Minutes without use (API calls or preview traffic) before a sandbox is deleted. */
  SANDBOX_IDLE_TTL_MIN: int(30, 1, 43_200),
  /** Hours without use after which a (stopped) sandbox is deleted, its files with it. */
  SANDBOX_DELETE_AFTER_HOURS: int(72, 1, 8_760),
  SHARE_DEFAULT_TTL_HOURS: int(24, 1, 720),
  /**
   * Host under which previews are served as <token>.<PREVIEW_HOST>. Default: localhost (with the
   * app's port), which browsers resolve without DNS. In production use a wildcard domain of its own.
   */
  /**
   * The app's own public host name (e.g. app.example.com). With PREVIEW_HOST in production it is
   * required: the server refuses a preview host on the same site as the app.
   */
  APP_HOST: z
    .string()
    .trim()
    .regex(/^[a-z0-9.-]+(:\d+)?$/i, 'must be a host name such as app.example.com')
    .optional(),
  /** GitHub: where repositories are cloned from and pushed to, and its REST API (GitHub Enterprise: https://<host>/api/v3). */
  GITHUB_URL: z.url().default('https://github.com').transform((url) => url.replace(/\/+$/, '')),
  GITHUB_API_URL: z.url().default('https://api.github.com').transform((url) => url.replace(/\/+$/, '')),
  /** The operator's token: the runs API's, and browser sessions' only for the repositories GITHUB_TOKEN_LEND names (people paste their own otherwise). */
  GITHUB_TOKEN: z.string().trim().optional(),
  /**
   * Repositories browser sessions may use GITHUB_TOKEN for (import and pull requests), as
   * comma-separated owner/repo or owner/* (case-insensitive). Unset: the token is never lent.
   */
  GITHUB_TOKEN_LEND: z
    .string()
    .trim()
    .regex(/^\s*[A-Za-z0-9_-][A-Za-z0-9_.-]*\/(\*|[A-Za-z0-9_-][A-Za-z0-9_.-]*)\s*(,\s*[A-Za-z0-9_-][A-Za-z0-9_.-]*\/(\*|[A-Za-z0-9_-][A-Za-z0-9_.-]*)\s*)*$/, 'must be owner/repo or owner/* names, separated by commas')
    .transform((list) => list.split(',').map((item) => item.trim().toLowerCase()))
    .optional(),
  /** The most a repository fetch may download (the server holds it in memory while a flow runs). */
  GITHUB_FETCH_MAX_MB: int(100, 1, 2000),
  /**
   * Publish: the operator's Netlify and Vercel tokens. Set, every visitor of this server may publish
   * to that account (leave them unset on a public server: people then paste their own). They stay
   * on the server and go only to the API's origin.
   */
  NETLIFY_TOKEN: z.string().trim().min(1).optional(),
  NETLIFY_API_URL: z.url().default('https://api.netlify.com').transform((url) => url.replace(/\/+$/, '')),
  VERCEL_TOKEN: z.string().trim().min(1).optional(),
  VERCEL_API_URL: z.url().default('https://api.vercel.com').transform((url) => url.replace(/\/+$/, '')),
  /** Apps with a server may be published as a Local sandbox that keeps running on this machine (Daytona sandboxes always may). */
  PUBLISH_LOCAL_SANDBOXES: z
    .enum(['true', 'false'])
    .default('false')
    .transform((value) => value === 'true'),
  /** Turns on POST /api/runs (repository → pull request); callers send it as a bearer token. */
  RUNS_API_TOKEN: z.string().min(24, 'must be at least 24 characters (try: openssl rand -hex 24)').optional(),
  /** Runs at once (each has a sandbox), and runs started per hour. */
  RUNS_MAX_CONCURRENT: int(2, 1, 100),
  RUNS_PER_HOUR: int(20, 1, 10_000),
  PREVIEW_HOST: z
    .string()
    .trim()
    .regex(/^[a-z0-9.-]+(:\d+)?$/i, 'must be a host name such as preview.example.com')
    .optional(),
});

export type ServerEnv = z.infer<typeof schema> & {
  /** Absolute. */
  SANDBOX_DATA_DIR: string;
  NPM_REGISTRY_URL: string; usesOpenRouter: boolean; sandboxProvider: 'local' | 'daytona' };

export class ConfigError extends Error {}

export function parseServerEnv(source: Record<string, string | undefined>): ServerEnv {
  // Empty strings in .env mean "not set".
  const cleaned = Object.fromEntries(Object.entries(source).filter(([, v]) => v !== undefined && v !== ''));
  const result = schema.safeParse(cleaned);
  if (!result.success) {
    const lines = result.error.issues.map((issue) => `  - ${issue.path.join('.')}: ${issue.message}`);
    throw new ConfigError(`Invalid configuration (see .env.example):\n${lines.join('\n')}`);
  }
  const env = result.data;
  checkPreviewSite(env);
  // Node refuses a header timeout longer than the request timeout.
  if (env.SERVER_HEADERS_TIMEOUT_S > env.SERVER_REQUEST_TIMEOUT_S) {
    throw new ConfigError(`Invalid configuration (see .env.example):\n  - SERVER_HEADERS_TIMEOUT_S: ${env.SERVER_HEADERS_TIMEOUT_S} is longer than SERVER_REQUEST_TIMEOUT_S (${env.SERVER_REQUEST_TIMEOUT_S}); the headers are part of the request.`);
  }
  const sizeProblem = daytonaSizeProblem(env);
  if (sizeProblem) throw new ConfigError(`Invalid configuration (see .env.example):\n  - ${sizeProblem}`);
  const sandboxProvider = env.SANDBOX_PROVIDER ?? (env.DAYTONA_API_KEY ? 'daytona' : 'local');
  if (sandboxProvider === 'daytona' && !env.DAYTONA_API_KEY) {
    throw new ConfigError('Invalid configuration (see .env.example):\n  - DAYTONA_API_KEY: required when SANDBOX_PROVIDER=daytona');
  }
  if (env.NODE_ENV === 'production' && !env.SESSION_SECRET) {
    throw new ConfigError('Invalid configuration (see .env.example):\n  - SESSION_SECRET: required in production (at least 32 characters; try: openssl rand -hex 32)');
  }
  return {
    ...env,
    SANDBOX_DATA_DIR: resolve(env.SANDBOX_DATA_DIR ?? defaultDataDir(source)),
    NPM_REGISTRY_URL: env.NPM_REGISTRY_URL ?? (source.npm_config_registry || 'https://registry.npmjs.org'),
    OPENROUTER_BASE_URL: env.OPENROUTER_BASE_URL.replace(/\/+$/, ''),
    usesOpenRouter: new URL(env.OPENROUTER_BASE_URL).hostname === 'openrouter.ai',
    sandboxProvider,
  };
}

/**
 * The OS data directory: $XDG_DATA_HOME/appforge, else /var/lib/appforge for root (a service's
 * place, which the unprivileged sandbox user can reach, unlike /root), else ~/.local/share/appforge;
 * macOS's and Windows' equivalents there.
 */
export function defaultDataDir(source: Record<string, string | undefined> = process.env, isRoot = process.getuid?.() === 0): string {
  const home = source.HOME || homedir();
  if (process.platform === 'darwin') return join(home, 'Library', 'Application Support', 'appforge');
  if (process.platform === 'win32') return join(source.LOCALAPPDATA || join(home, 'AppData', 'Local'), 'appforge');
  if (source.XDG_DATA_HOME) return join(source.XDG_DATA_HOME, 'appforge');
  return isRoot ? '/var/lib/appforge' : join(home, '.local', 'share', 'appforge');
}

/**
 * Previews are untrusted code: on the app's own registrable domain they could set cookies for
 * it (session fixation) and count as same-site. So PREVIEW_HOST must be another site.
 */
function checkPreviewSite(env: z.infer<typeof schema>) {
  if (!env.PREVIEW_HOST) return;
  const site = (host: string) => getDomain(host.replace(/:\d+$/, ''), { allowPrivateDomains: true }) ?? host.replace(/:\d+$/, '');
  if (!env.APP_HOST) {
    if (env.NODE_ENV === 'production') throw new ConfigError('Invalid configuration (see .env.example):\n  - APP_HOST: required with PREVIEW_HOST in production (the app\'s own host name, so previews can be kept on another site)');
    return;
  }
  if (site(env.APP_HOST) === site(env.PREVIEW_HOST)) {
    throw new ConfigError(
      `Invalid configuration (see .env.example):\n  - PREVIEW_HOST: ${env.PREVIEW_HOST} is on the same site (${site(env.PREVIEW_HOST)}) as the app (${env.APP_HOST}); previews would be same-site with the app and could set its cookies. Use a domain of its own, e.g. preview-${site(env.APP_HOST)}.`,
    );
  }
}

/** Startup warnings worth printing once; none of them contains a secret. */
export function configWarnings(env: ServerEnv): string[] {
  const warnings: string[] = [];
  if (!env.OPENROUTER_API_KEY && env.usesOpenRouter) {
    warnings.push('OPENROUTER_API_KEY is not set: chats will fail until it is (or OPENROUTER_BASE_URL points at a local model server).');
  }
  return warnings;
}
