import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';
import { HttpError } from './json-body.server';

export interface RateLimitConfig {
  chatPerSession: number;
  chatPerIp: number;
  createsPerSession: number;
  createsPerIp: number;
  /** A minute, in seconds (60 unless a test says otherwise); kinds counted per hour use 60 of them. */
  windowS?: number;
}

export type LimitKind = 'chat' | 'agentStep' | 'create' | 'packages' | 'packageNames' | 'share' | 'githubToken';
type Kind = LimitKind;
type Scope = 'session' | 'ip';

/** What routes count requests with: per session and per client address. */
export interface Limits {
  /** Counts one request; throws a 429 HttpError (with Retry-After) when a limit is passed. */
  take(kind: LimitKind, session: string, ip: string): Promise<void>;
  /**
   * Counts up to `wanted` units (names looked up) and says how many were granted; with fewer,
   * `refusal` says which limit stopped the rest. Never throws for the limit.
   */
  takeUpTo(kind: LimitKind, session: string, ip: string, wanted: number): Promise<{ granted: number; refusal?: string }>;
}

const MESSAGES: Record<Kind, Record<Scope, string>> = {
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
  packageNames: {
    session: 'Too many package look-ups in the last minute',
    ip: 'Too many package look-ups from your network in the last minute',
  },
  share: {
    session: 'Too many share links created or revoked in the last minute',
    ip: 'Too many share links created or revoked from your network in the last minute',
  },
  githubToken: {
    session: 'Too many tokens (GitHub, Netlify, Vercel) pasted in the last hour',
    ip: 'Too many tokens (GitHub, Netlify, Vercel) pasted from your network in the last hour',
  },
};

/**
 * Fixed limits of the kinds the configuration does not set: per session, per address, and the
 * window in minutes. Look-ups are cheap for the app but not for the registry, so names are
 * counted, not requests (a project's package.json names a few dozen). Sharing is a click now and
 * then. Pasting a token is rare, and each paste takes a slot in the server's memory for hours.
 */
const FIXED = {
  packages: { session: 60, ip: 300, minutes: 1 },
  packageNames: { session: 300, ip: 1000, minutes: 1 },
  share: { session: 20, ip: 60, minutes: 1 },
  githubToken: { session: 10, ip: 30, minutes: 60 },
} as const;

/** Requests per session and per IP address in a sliding window (a minute, or an hour for token pastes). */
export class RateLimits implements Limits {
  #limiters: Record<Kind, Record<Scope, RateLimiterMemory>>;

  constructor(config: RateLimitConfig) {
    const minute = config.windowS ?? 60;
    const pair = (session: number, ip: number, minutes = 1) => ({
      session: new RateLimiterMemory({ points: session, duration: minute * minutes }),
      ip: new RateLimiterMemory({ points: ip, duration: minute * minutes }),
    });
    this.#limiters = {
      chat: pair(config.chatPerSession, config.chatPerIp),
      // An agent's next step (tool results back to the model) is a model request too, but one
      // request of the user's takes many: three times the chat rate.
      agentStep: pair(3 * config.chatPerSession, 3 * config.chatPerIp),
      create: pair(config.createsPerSession, config.createsPerIp),
      packages: pair(FIXED.packages.session, FIXED.packages.ip),
      packageNames: pair(FIXED.packageNames.session, FIXED.packageNames.ip),
      share: pair(FIXED.share.session, FIXED.share.ip),
      githubToken: pair(FIXED.githubToken.session, FIXED.githubToken.ip, FIXED.githubToken.minutes),
    };
  }

  /** Counts one request; throws a 429 HttpError (with Retry-After) when a limit is passed. */
  async take(kind: Kind, session: string, ip: string) {
    const limiters = this.#limiters[kind];
    for (const [scope, key] of scopes(session, ip)) {
      try {
        await limiters[scope].consume(key);
      } catch (error) {
        if (!(error instanceof RateLimiterRes)) throw error;
        throw tooMany(kind, scope, Math.max(1, Math.ceil(error.msBeforeNext / 1000)));
      }
    }
  }

  async takeUpTo(kind: Kind, session: string, ip: string, wanted: number) {
    let granted = Math.max(0, Math.floor(wanted));
    let refusal: string | undefined;
    const taken: Array<[RateLimiterMemory, string]> = [];
    for (const [scope, key] of scopes(session, ip)) {
      if (granted === 0) break;
      const limiter = this.#limiters[kind][scope];
      // Consumed whole, then what passed the limit is given back: one step, so concurrent requests cannot both spend the rest.
      const result = await limiter.consume(key, granted).catch((error: unknown) => {
        if (error instanceof RateLimiterRes) return error;
        throw error;
      });
      const allowed = Math.max(0, granted - Math.max(0, result.consumedPoints - limiter.points));
      if (allowed < granted) {
        await limiter.reward(key, granted - allowed);
        for (const [earlier, earlierKey] of taken) await earlier.reward(earlierKey, granted - allowed);
        refusal = MESSAGES[kind][scope];
        granted = allowed;
      }
      taken.push([limiter, key]);
    }
    return { granted, refusal };
  }
}

function scopes(session: string, ip: string): Array<[Scope, string]> {
  return [['session', session], ['ip', addressKey(ip)]];
}

/** The 429 for a passed limit, with how long to wait in words a person reads (minutes past two of them). */
function tooMany(kind: Kind, scope: Scope, waitS: number) {
  const wait = waitS > 120 ? `${Math.ceil(waitS / 60)} min` : `${waitS} s`;
  return new HttpError(429, `${MESSAGES[kind][scope]}. Wait ${wait} and try again.`, { 'Retry-After': String(waitS) });
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
    for (const [scope, key] of scopes(session, ip)) {
      const { success } = await binding.limit({ key: `${kind}:${scope}:${key}` });
      if (!success) throw tooMany(kind, scope, this.periodS);
    }
  }

  /** A binding counts calls: one per unit, so a binding for names is set with a limit in names. */
  async takeUpTo(kind: LimitKind, session: string, ip: string, wanted: number) {
    const binding = this.bindings[kind];
    if (!binding) return this.fallback.takeUpTo(kind, session, ip, wanted);
    let granted = Math.max(0, Math.floor(wanted));
    let refusal: string | undefined;
    for (const [scope, key] of scopes(session, ip)) {
      if (granted === 0) break;
      const results = await Promise.all(Array.from({ length: granted }, () => binding.limit({ key: `${kind}:${scope}:${key}` })));
      const allowed = results.filter((result) => result.success).length;
      if (allowed < granted) {
        refusal = MESSAGES[kind][scope];
        granted = allowed;
      }
    }
    return { granted, refusal };
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
