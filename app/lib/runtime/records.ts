/**
 * What is saved of a chat's runtime and actions (IndexedDB, see persistence/chat-db.ts). Types
 * only, importing nothing but the Runtime interface: persistence depends on these, never on the
 * classes that produce them.
 */
import type { Runtime } from './runtime';

export type ActionStatus =
  | { state: 'pending' }
  | { state: 'running' }
  | { state: 'complete' }
  | { state: 'aborted' }
  | { state: 'failed'; error: string };

/** What a chat remembers about where it runs. */
export interface RuntimeRecord {
  /** The user's explicit choice; it wins over the router for this chat. */
  choice?: Runtime['kind'];
  sandboxId?: string;
  /** The automatic fallback to the cloud happens once per chat. */
  fallbackUsed?: boolean;
  /** Why it happened, for the Runtime status after a reload. */
  fallbackReason?: string;
}
