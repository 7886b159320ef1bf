import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';
import { HttpError } from './json-body.server';

export interface RateLimitConfig {
  chatPerSession: number;
  chatPerIp: number;
  createsPerSession: number;
  createsPerIp: number;
  /** The window the counts are per, in seconds (a minute unless a test says otherwise). */
  windowS?: number;
}

export type LimitKind = 'chat' | 'agentStep' | 'create' | 'packages';
type Kind = LimitKind;

/** What routes count requests with: per session and per client address. */
export interface Limits {
  /** Counts one request; throws a 429 HttpError (with Retry-After) when a limit is passed. */
  take(kind: LimitKind, session: string, ip: string): Promise<void>;
}

const MESSAGES: Record<Kind, { session: string; ip: string }> = {
  chat: {
    session: 'You are sending messages faster than this server allows',
    ip: 'Your network is sending messages faster than this server allows',
  },
  agentStep: {
    session: 'The agent is taking steps faster than this server allows',
    ip: 'Agents on your network are taking steps faster than this server allows',
  },
  create: {
    session: 'Too many sandboxes created in the last minute',
    ip: 'Too many sandboxes created from your network in the last minute',
  },
  packages: {
    session: 'Too many package look-ups in the last minute',
    ip: 'Too many package look-ups from your network in the last minute',
  },
};

/** Requests per session and per IP address in a sliding minute, for chat and for sandbox creation. */
export class RateLimits implements Limits {
  #limiters: Record<Kind, { session: RateLimiterMemory; ip: RateLimiterMemory }>;

  constructor(config: RateLimitConfig) {
    const duration = config.windowS ?? 60;
    this.#limiters = {
      chat: { session: new RateLimiterMemory({ points: config.chatPerSession, duration }), ip: new RateLimiterMemory({ points: config.chatPerIp, duration }) },
      // An agent's next step (tool results back to the model) is a model request too, but one
      // request of the user's takes many: three times the chat rate.
      agentStep: { session: new RateLimiterMemory({ points: 3 * config.chatPerSession, duration }), ip: new RateLimiterMemory({ points: 3 * config.chatPerIp, duration }) },
      create: { session: new RateLimiterMemory({ points: config.createsPerSession, duration }), ip: new RateLimiterMemory({ points: config.createsPerIp, duration }) },
      // Look-ups are cheap for the app but not for the registry: a chat asks a few times.
      packages: { session: new RateLimiterMemory({ points: 60, duration }), ip: new RateLimiterMemory({ points: 300, duration }) },
    };
  }

  /** Counts one request; throws a 429 HttpError (with Retry-After) when a limit is passed. */
  async take(kind: Kind, session: string, ip: string) {
    const limiters = this.#limiters[kind];
    for (const [scope, key] of [['session', session], ['ip', addressKey(ip)]] as const) {
      try {
        await limiters[scope].consume(key);
      } catch (error) {
        if (!(error instanceof RateLimiterRes)) throw error;
        const wait = Math.max(1, Math.ceil(error.msBeforeNext / 1000));
        throw new HttpError(429, `${MESSAGES[kind][scope]}. Wait ${wait} s and try again.`, { 'Retry-After': String(wait) });
      }
    }
  }
}

/** Cloudflare's rate-limiting binding (`limit({ key })` → `{ success }`), its period fixed in wrangler.toml. */
export interface RateLimitBinding {
  limit(options: { key: string }): Promise<{ success: boolean }>;
}

/**
 * On Cloudflare: the kinds with a rate-limiting binding are counted by it (shared by every
 * isolate of the deployment, per Cloudflare location); the others by this isolate's own counters.
 */
export class BindingLimits implements Limits {
  constructor(
    private readonly bindings: Partial<Record<LimitKind, RateLimitBinding>>,
    private readonly fallback: Limits,
    /** The period the bindings are configured with, for Retry-After. */
    private readonly periodS = 60,
  ) {}

  async take(kind: LimitKind, session: string, ip: string) {
    const binding = this.bindings[kind];
    if (!binding) return this.fallback.take(kind, session, ip);
    for (const [scope, key] of [['session', session], ['ip', addressKey(ip)]] as const) {
      const { success } = await binding.limit({ key: `${kind}:${scope}:${key}` });
      if (!success) throw new HttpError(429, `${MESSAGES[kind][scope]}. Wait ${this.periodS} s and try again.`, { 'Retry-After': String(this.periodS) });
    }
  }
}

/** An IPv6 client holds a whole /64: it is one address for the limits. */
export function addressKey(ip: string): string {
  const v6 = ip.includes(':') && !ip.startsWith('::ffff:');
  if (!v6) return ip.replace(/^::ffff:/, '');
  const [head, tail = ''] = ip.split('::');
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  const groups = ip.includes('::') ? [...left, ...Array(8 - left.length - right.length).fill('0'), ...right] : left;
  return `${groups.slice(0, 4).map((g) => g.toLowerCase().replace(/^0+(?=.)/, '')).join(':')}::/64`;
}
