import type { Sessions } from './lib/http/session.server';
import type { SandboxService } from './lib/sandbox/sandbox-service.server';

// What server.ts hands every loader and action: the process-wide services.
declare module '@remix-run/node' {
  interface AppLoadContext {
    sandboxes: SandboxService;
    sessions: Sessions;
  }
}

export {};
