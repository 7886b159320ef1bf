// Cloudflare Pages: the services every loader and action gets, made from the Pages environment
// (variables and secrets) once per isolate. Web APIs and nodejs_compat only: nothing here may
// import the Node server's parts (the Local provider, worker threads, the file system).
import type { AppLoadContext } from '@remix-run/node';
import { ConfigError, parseServerEnv } from '../env.server';
import { BindingLimits, RateLimits, type LimitKind, type RateLimitBinding } from '../http/rate-limits.server';
import { Sessions } from '../http/session.server';
import { InProcessChatStreamer } from '../llm/chat-streamer.server';
import { RegistryLookup } from '../routing/registry-lookup.server';
import { daytonaProvider } from '../sandbox/daytona/daytona-provider.server';
import { serviceAround } from '../sandbox/sandbox-service.server';
import { createEdgePreviewProxy } from '../sandbox/edge-preview-proxy';

type Services = Pick<AppLoadContext, 'env' | 'sandboxes' | 'sessions' | 'limits' | 'chat' | 'registry'> & {
  /** Answers requests for preview hosts (null for the app's own). */
  preview: ReturnType<typeof createEdgePreviewProxy>;
};

let made: { key: string; services: Services } | undefined;

/**
 * The services for the Pages environment `vars`, made once per isolate and configuration (the
 * rate limits' counters and the sandbox service's caches live across requests).
 */
export function pagesServices(vars: Record<string, unknown>): Services {
  const strings = Object.fromEntries(Object.entries(vars).filter((entry): entry is [string, string] => typeof entry[1] === 'string'));
  const key = JSON.stringify(Object.entries(strings).sort(([a], [b]) => a.localeCompare(b)));
  if (made?.key === key) return made.services;
  // Pages serves over HTTPS: production settings, whatever NODE_ENV says.
  const env = parseServerEnv({ ...strings, NODE_ENV: 'production' });
  if (env.sandboxProvider !== 'daytona') {
    throw new ConfigError(
      'On Cloudflare Pages sandboxes run in Daytona only: set DAYTONA_API_KEY (and leave SANDBOX_PROVIDER unset or "daytona"). The Local provider needs the Node server (npm start) on a Linux machine.',
    );
  }
  if (!env.PREVIEW_HOST && !strings.PORT) {
    throw new ConfigError('On Cloudflare Pages set PREVIEW_HOST (the wildcard host previews are served on, e.g. preview-example.com) and APP_HOST (the app\'s own host): see "Deploy to Cloudflare Pages" in the README.');
  }
  const sessions = new Sessions(env.SESSION_SECRET!, true);
  const { service: sandboxes, previewHost } = serviceAround(daytonaProvider(env), env, env.SESSION_SECRET!);
  // As on the Node server: without a preview host of its own, previews live beside the app (local preview).
  const appHost = env.APP_HOST ?? (env.PREVIEW_HOST ? undefined : previewHost);
  const services: Services = {
    env,
    sessions,
    sandboxes,
    // Cloudflare's rate-limiting bindings where configured; otherwise per isolate, which is best
    // effort on Cloudflare (many isolates serve one deployment; see README).
    limits: new BindingLimits(
      rateLimitBindings(vars),
      new RateLimits({
        chatPerSession: env.CHAT_RATE_PER_MINUTE,
        chatPerIp: env.CHAT_RATE_PER_MINUTE_PER_IP,
        createsPerSession: env.SANDBOX_CREATES_PER_MINUTE,
        createsPerIp: env.SANDBOX_CREATES_PER_MINUTE_PER_IP,
      }),
    ),
    chat: new InProcessChatStreamer(env),
    registry: new RegistryLookup({ registryUrl: env.NPM_REGISTRY_URL }),
    preview: createEdgePreviewProxy(sandboxes, { previewHost, sessionCookieName: sessions.cookieName, appHost, forwarderSecret: env.PREVIEW_FORWARDER_SECRET }),
  };
  made = { key, services };
  return services;
}

/** What the Pages function hands Remix for a request. */
export function pagesLoadContext(request: Request, vars: Record<string, unknown>): AppLoadContext {
  const { preview: _preview, ...services } = pagesServices(vars);
  return { ...services, clientIp: request.headers.get('cf-connecting-ip') ?? 'unknown' };
}

/** The answer for a preview host's request (`<token>.<PREVIEW_HOST>`), or null for the app's own requests. */
export function pagesPreview(request: Request, vars: Record<string, unknown>): Promise<Response | null> {
  return pagesServices(vars).preview(request);
}

/** The rate-limiting bindings wrangler.toml declares, by the kind of request they count (PACKAGE_NAMES counts names, one call each). */
const RATE_LIMIT_BINDINGS: Record<string, LimitKind> = {
  CHAT_RATE_LIMITER: 'chat',
  AGENT_STEP_RATE_LIMITER: 'agentStep',
  SANDBOX_CREATE_RATE_LIMITER: 'create',
  SHARE_RATE_LIMITER: 'share',
  GITHUB_TOKEN_RATE_LIMITER: 'githubToken',
  PACKAGE_NAMES_RATE_LIMITER: 'packageNames',
};

function rateLimitBindings(vars: Record<string, unknown>): Partial<Record<LimitKind, RateLimitBinding>> {
  const bindings: Partial<Record<LimitKind, RateLimitBinding>> = {};
  for (const [name, kind] of Object.entries(RATE_LIMIT_BINDINGS)) {
    const binding = vars[name] as Partial<RateLimitBinding> | undefined;
    if (typeof binding?.limit === 'function') bindings[kind] = binding as RateLimitBinding;
  }
  return bindings;
}
