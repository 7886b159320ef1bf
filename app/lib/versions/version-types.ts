/**
 * What a chat keeps of its versions (IndexedDB, see persistence/chat-db.ts). Types only: the
 * database depends on these, never on the classes that make them.
 */

/** What made a version. A checkpoint is the project as it was just before a restore replaced it. */
import type { PackedText } from './content-address';

export type VersionKind = 'turn' | 'template' | 'import' | 'restore' | 'fork' | 'checkpoint';

/** Whether the app ran without problems after the version was made. */
export type VersionHealth = { state: 'unknown' } | { state: 'ok' } | { state: 'failed'; problem: string };

/** A file of a version: the hash of its content (the blob's key within the chat) and the bytes that content takes in storage. */
export interface VersionFile {
  hash: string;
  stored: number;
}

/** How one file changed from the previous version. */
export interface FileChange {
  path: string;
  status: 'added' | 'removed' | 'modified';
  added: number;
  removed: number;
}

/**
 * The cloud sandbox's own state with the version (files the app wrote: databases, uploads), a
 * gzip tar made in the sandbox. `pruned`: dropped to stay under the chat's cap (the files stay);
 * `notKept`: why there is none although the project ran in a sandbox.
 */
export type VersionState =
  | { kind: 'archive'; hash: string; bytes: number; files: number }
  | { kind: 'pruned'; bytes: number; files: number; prunedAt: number }
  | { kind: 'notKept'; reason: string };

export interface VersionRecord {
  /** `${chatId}:${seq}` */
  key: string;
  chatId: string;
  /** 1, 2, 3 … in the order made; shown as v1, v2 … */
  seq: number;
  kind: VersionKind;
  /** One line: the turn's request, "Restored v2", "Before restoring v2" … */
  label: string;
  createdAt: number;
  /** The assistant message whose answer made it (a turn's version; its card shows the diff). */
  messageId?: string;
  /** The version a restore (or a fork) brought back. */
  from?: number;
  files: Record<string, VersionFile>;
  /** Changes from the previous version (for v1: everything added). */
  changes: FileChange[];
  health: VersionHealth;
  state?: VersionState;
}

export interface StoredBlob {
  /** `${chatId}:${hash}` */
  key: string;
  chatId: string;
  content: PackedText;
}

export interface StoredArchive {
  /** `${chatId}:${hash}` */
  key: string;
  chatId: string;
  bytes: Uint8Array;
}
