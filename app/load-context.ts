import type { RateLimits } from './lib/http/rate-limits.server';
import type { Sessions } from './lib/http/session.server';
import type { SandboxService } from './lib/sandbox/sandbox-service.server';

// What server.ts hands every loader and action: the process-wide services.
declare module '@remix-run/node' {
  interface AppLoadContext {
    sandboxes: SandboxService;
    sessions: Sessions;
    limits: RateLimits;
    /** The client's IP address (from the socket, or X-Forwarded-For when TRUST_PROXY says so). */
    clientIp: string;
  }
}

export {};
