// Cloudflare Pages: the services every loader and action gets, made from the Pages environment
// (variables and secrets) once per isolate. Web APIs and nodejs_compat only: nothing here may
// import the Node server's parts (the Local provider, worker threads, the file system).
import type { AppLoadContext } from '@remix-run/node';
import { ConfigError, parseServerEnv } from '../env.server';
import { RateLimits } from '../http/rate-limits.server';
import { Sessions } from '../http/session.server';
import { InProcessChatStreamer } from '../llm/chat-streamer.server';
import { RegistryLookup } from '../routing/registry-lookup.server';
import { daytonaProvider } from '../sandbox/daytona/daytona-provider.server';
import { serviceAround } from '../sandbox/sandbox-service.server';

type Services = Pick<AppLoadContext, 'env' | 'sandboxes' | 'sessions' | 'limits' | 'chat' | 'registry'>;

let made: { vars: unknown; services: Services } | undefined;

/** The services for the Pages environment `vars` (made again only when it changes). */
export function pagesServices(vars: Record<string, unknown>): Services {
  if (made?.vars === vars) return made.services;
  const strings = Object.fromEntries(Object.entries(vars).filter((entry): entry is [string, string] => typeof entry[1] === 'string'));
  // Pages serves over HTTPS: production settings, whatever NODE_ENV says.
  const env = parseServerEnv({ ...strings, NODE_ENV: 'production' });
  if (env.sandboxProvider !== 'daytona') {
    throw new ConfigError(
      'On Cloudflare Pages sandboxes run in Daytona only: set DAYTONA_API_KEY (and leave SANDBOX_PROVIDER unset or "daytona"). The Local provider needs the Node server (npm start) on a Linux machine.',
    );
  }
  const sessions = new Sessions(env.SESSION_SECRET!, true);
  const { service: sandboxes } = serviceAround(daytonaProvider(env), env, env.SESSION_SECRET!);
  const services: Services = {
    env,
    sessions,
    sandboxes,
    // Per isolate: Cloudflare runs many, so these limits are best effort (see README).
    limits: new RateLimits({
      chatPerSession: env.CHAT_RATE_PER_MINUTE,
      chatPerIp: env.CHAT_RATE_PER_MINUTE_PER_IP,
      createsPerSession: env.SANDBOX_CREATES_PER_MINUTE,
      createsPerIp: env.SANDBOX_CREATES_PER_MINUTE_PER_IP,
    }),
    chat: new InProcessChatStreamer(env),
    registry: new RegistryLookup({ registryUrl: env.NPM_REGISTRY_URL }),
  };
  made = { vars, services };
  return services;
}

/** What the Pages function hands Remix for a request. */
export function pagesLoadContext(request: Request, vars: Record<string, unknown>): AppLoadContext {
  return { ...pagesServices(vars), clientIp: request.headers.get('cf-connecting-ip') ?? 'unknown' };
}
