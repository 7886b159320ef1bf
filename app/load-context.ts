import type { ServerEnv } from './lib/env.server';
import type { Limits } from './lib/http/rate-limits.server';
import type { ChatStreamer } from './lib/llm/chat-streamer.server';
import type { Sessions } from './lib/http/session.server';
import type { RegistryLookup } from './lib/routing/registry-lookup.server';
import type { SandboxService } from './lib/sandbox/sandbox-service.server';

// What server.ts hands every loader and action: the process-wide services.
declare module '@remix-run/node' {
  interface AppLoadContext {
    /** The configuration, parsed once by server.ts at startup. */
    env: ServerEnv;
    sandboxes: SandboxService;
    sessions: Sessions;
    limits: Limits;
    /** Streams the model's answers (on a worker thread in the server). */
    chat: ChatStreamer;
    /** Package facts from the npm registry, for routing. */
    registry: RegistryLookup;
    /** The client's IP address (from the socket, or X-Forwarded-For when TRUST_PROXY says so). */
    clientIp: string;
  }
}

export {};
