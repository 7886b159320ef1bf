import { isRunning } from './sandbox-caps.server';
import type { SandboxInfo } from './sandbox-provider.server';

/**
 * A sandbox's life across a person's day: running while used; stopped after `idleTtlMs` without
 * use (files and data kept: it starts again when its chat is opened); deleted after `deleteAfterMs`.
 * The service also stops a person's least recently used sandbox to make room for their next
 * project (sandbox-caps.server.ts), or on their word. Why it stopped is kept in a label and told
 * when the chat reopens.
 */
export const STOPPED_LABEL = 'stopped';
/** A published app (issue 23): it runs until unpublished, so the reaper and the make-room rule leave it alone. */
export const PUBLISHED_LABEL = 'published';
export const isPublished = (sandbox: SandboxInfo) => sandbox.labels[PUBLISHED_LABEL] === '1';

export const STOPPED_REASONS = {
  idle: 'it was stopped after a while without use',
  room: 'it was stopped to make room for another of your projects',
  user: 'you stopped it',
} as const;

export type StopReason = keyof typeof STOPPED_REASONS;

export const DEFAULT_DELETE_AFTER_MS = 72 * 3600_000;

/** What the reaper does with a sandbox now: nothing, stop it, or delete it. */
export function reapAction(sandbox: SandboxInfo, idleMs: number, { idleTtlMs, deleteAfterMs = DEFAULT_DELETE_AFTER_MS }: { idleTtlMs: number; deleteAfterMs?: number }): 'keep' | 'stop' | 'delete' {
  if (isPublished(sandbox)) return 'keep';
  if (idleMs >= deleteAfterMs) return 'delete';
  if (idleMs >= idleTtlMs && isRunning(sandbox)) return 'stop';
  return 'keep';
}

/** The sentence for why a sandbox that is not running was stopped, if the service stopped it. */
export function stoppedReason(sandbox: SandboxInfo): string | undefined {
  const reason = sandbox.state !== 'started' ? sandbox.labels[STOPPED_LABEL] : undefined;
  return reason ? (STOPPED_REASONS[reason as StopReason] ?? reason) : undefined;
}
