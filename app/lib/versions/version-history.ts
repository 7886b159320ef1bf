import { atom, computed } from 'nanostores';
import * as store from '../persistence/version-db';
import { packedBytes, packText, sha256, unpackText, type PackedText } from './content-address';
import { fileChanges } from './file-changes';
import type { VersionHealth, VersionKind, VersionRecord, VersionState } from './version-types';

export interface NewVersion {
  kind: VersionKind;
  label: string;
  files: Record<string, string>;
  messageId?: string;
  from?: number;
  /** The sandbox's state: a new archive, why there is none, or (a restore) the state of the version brought back. */
  state?: { archive: Uint8Array; files: number } | { notKept: string } | { same: VersionState };
  health?: VersionHealth;
}

export interface VersionStorage {
  /** Bytes the versions' file contents take (each content once). */
  files: number;
  /** Bytes the sandbox archives take (each once). */
  state: number;
  /** The cap on `state` (oldest archives are pruned past it). */
  stateBudget: number;
  count: number;
}

/** App data (sandbox archives) a chat keeps at most, by default; past it the oldest versions' archives go first. */
export const STATE_BUDGET_BYTES = 100 * 1024 * 1024;

/**
 * One chat's versions: a version per turn, template, import, restore and fork, each the project's
 * files (content-addressed: unchanged files cost nothing) and, for a cloud project, the sandbox's
 * own state. Writes happen one at a time in the order asked; the list is a store the timeline reads.
 */
export class VersionHistory {
  readonly versions = atom<VersionRecord[]>([]);
  /** What was pruned and why, shown until dismissed. */
  readonly notice = atom<string | null>(null);
  readonly storage = computed(this.versions, (versions) => this.#storage(versions));
  readonly chatId: string;
  #stateBudget: number;
  #queue: Promise<unknown> = Promise.resolve();
  /** The newest version's contents by path (to diff the next one without reading them back). */
  #head: { seq: number; contents: Record<string, string> } | null = null;
  /** The last hash computed for each path, with the content it was computed for. */
  #hashes = new Map<string, { content: string; hash: string }>();

  constructor(chatId: string, options: { stateBudget?: number } = {}) {
    this.chatId = chatId;
    this.#stateBudget = options.stateBudget ?? STATE_BUDGET_BYTES;
  }

  load(): Promise<VersionRecord[]> {
    return this.#serial(async () => {
      const versions = await store.listVersions(this.chatId);
      this.versions.set(versions);
      return versions;
    });
  }

  latest(): VersionRecord | undefined {
    return this.versions.get().at(-1);
  }

  get(seq: number): VersionRecord | undefined {
    return this.versions.get().find((v) => v.seq === seq);
  }

  /** The newest version that ran without problems, optionally only among those older than `before`. */
  lastWorking(before = Infinity): VersionRecord | undefined {
    return this.versions.get().findLast((v) => v.seq < before && v.health.state === 'ok');
  }

  /** Saves a new version; resolves with it once it is stored. */
  record(input: NewVersion): Promise<VersionRecord> {
    return this.#serial(() => this.#record(input));
  }

  /** Whether `files` are exactly the newest version's files. */
  async sameAsLatest(files: Record<string, string>): Promise<boolean> {
    await this.#queue;
    const latest = this.latest();
    if (!latest || Object.keys(latest.files).length !== Object.keys(files).length) return false;
    for (const [path, content] of Object.entries(files)) if (latest.files[path]?.hash !== (await this.#hash(path, content))) return false;
    return true;
  }

  setHealth(seq: number, health: VersionHealth): Promise<void> {
    return this.#serial(async () => {
      const version = this.get(seq);
      if (!version) return;
      const updated = { ...version, health };
      await store.putVersions([updated]);
      this.versions.set(this.versions.get().map((v) => (v.seq === seq ? updated : v)));
    });
  }

  /** A version's files (path → text). Rejects if a content is missing (storage cleared under it). */
  async filesOf(seq: number): Promise<Record<string, string>> {
    if (this.#head?.seq === seq) return { ...this.#head.contents };
    const version = this.get(seq);
    if (!version) throw new Error(`There is no version ${seq} in this chat.`);
    const packed = await store.readContents(this.chatId, Object.values(version.files).map((f) => f.hash));
    const texts = new Map<string, string>();
    await Promise.all([...packed].map(async ([hash, content]) => texts.set(hash, await unpackText(content))));
    const files: Record<string, string> = {};
    for (const [path, file] of Object.entries(version.files)) {
      const text = texts.get(file.hash);
      if (text === undefined) throw new Error(`Version ${seq} has lost the content of ${path} (the browser's storage was cleared?).`);
      files[path] = text;
    }
    return files;
  }

  /** The sandbox archive kept with a version, if it still has one. */
  async archiveOf(seq: number): Promise<Uint8Array | undefined> {
    const state = this.get(seq)?.state;
    return state?.kind === 'archive' ? store.readArchive(this.chatId, state.hash) : undefined;
  }

  async #record(input: NewVersion): Promise<VersionRecord> {
    const previous = this.latest();
    const before = previous ? await this.#contentsOf(previous) : {};
    const files: VersionRecord['files'] = {};
    const contents = new Map<string, PackedText>();
    const changedBefore: Record<string, string> = {};
    const changedAfter: Record<string, string> = {};
    for (const [path, content] of Object.entries(input.files)) {
      const hash = await this.#hash(path, content);
      const known = previous?.files[path];
      if (known?.hash === hash) {
        files[path] = known;
        continue;
      }
      changedAfter[path] = content;
      if (path in before) changedBefore[path] = before[path];
      const packed = contents.get(hash) ?? (await packText(content));
      contents.set(hash, packed);
      files[path] = { hash, stored: packedBytes(packed) };
    }
    for (const path of Object.keys(before)) if (!(path in input.files)) changedBefore[path] = before[path];
    const { state, archive } = await this.#state(input.state);
    const seq = (previous?.seq ?? 0) + 1;
    const record: VersionRecord = {
      key: `${this.chatId}:${seq}`,
      chatId: this.chatId,
      seq,
      kind: input.kind,
      label: input.label,
      createdAt: Date.now(),
      ...(input.messageId ? { messageId: input.messageId } : {}),
      ...(input.from !== undefined ? { from: input.from } : {}),
      files,
      changes: await fileChanges(changedBefore, changedAfter),
      health: input.health ?? { state: 'unknown' },
      ...(state ? { state } : {}),
    };
    await store.saveVersion(record, contents, archive);
    this.#head = { seq, contents: { ...input.files } };
    this.versions.set([...this.versions.get(), record]);
    if (archive) await this.#prune();
    return record;
  }

  async #state(input: NewVersion['state']): Promise<{ state?: VersionState; archive?: { hash: string; bytes: Uint8Array } }> {
    if (!input) return {};
    if ('notKept' in input) return { state: { kind: 'notKept', reason: input.notKept } };
    if ('same' in input) return { state: input.same };
    const hash = await sha256(input.archive);
    return { state: { kind: 'archive', hash, bytes: input.archive.length, files: input.files }, archive: { hash, bytes: input.archive } };
  }

  /** Past the budget, the oldest versions' archives go (each archive once, whichever versions share it); the newest version's never. */
  async #prune() {
    const versions = this.versions.get();
    const keep = versions.at(-1)?.state;
    const sizes = new Map<string, number>();
    for (const v of versions) if (v.state?.kind === 'archive') sizes.set(v.state.hash, v.state.bytes);
    let total = [...sizes.values()].reduce((sum, n) => sum + n, 0);
    const dropped: string[] = [];
    for (const [hash, bytes] of sizes) {
      if (total <= this.#stateBudget) break;
      if (keep?.kind === 'archive' && keep.hash === hash) continue;
      dropped.push(hash);
      total -= bytes;
    }
    if (dropped.length === 0) return;
    const now = Date.now();
    const changed: VersionRecord[] = [];
    const updated = versions.map((v) => {
      if (v.state?.kind !== 'archive' || !dropped.includes(v.state.hash)) return v;
      const pruned: VersionRecord = { ...v, state: { kind: 'pruned', bytes: v.state.bytes, files: v.state.files, prunedAt: now } };
      changed.push(pruned);
      return pruned;
    });
    await store.pruneArchives(this.chatId, dropped, changed);
    this.versions.set(updated);
    const which = changed.map((v) => `v${v.seq}`).join(', ');
    this.notice.set(`The app data kept with ${which} was dropped to keep this chat's app data under ${formatBytes(this.#stateBudget)}; their files are kept.`);
  }

  async #contentsOf(version: VersionRecord): Promise<Record<string, string>> {
    if (this.#head?.seq === version.seq) return this.#head.contents;
    const contents = await this.filesOf(version.seq);
    this.#head = { seq: version.seq, contents };
    return contents;
  }

  async #hash(path: string, content: string): Promise<string> {
    const cached = this.#hashes.get(path);
    if (cached?.content === content) return cached.hash;
    const hash = await sha256(content);
    this.#hashes.set(path, { content, hash });
    return hash;
  }

  #storage(versions: VersionRecord[]): VersionStorage {
    const files = new Map<string, number>();
    const states = new Map<string, number>();
    for (const v of versions) {
      for (const file of Object.values(v.files)) files.set(file.hash, file.stored);
      if (v.state?.kind === 'archive') states.set(v.state.hash, v.state.bytes);
    }
    const sum = (m: Map<string, number>) => [...m.values()].reduce((total, n) => total + n, 0);
    return { files: sum(files), state: sum(states), stateBudget: this.#stateBudget, count: versions.length };
  }

  #serial<T>(work: () => Promise<T>): Promise<T> {
    const next = this.#queue.then(work);
    this.#queue = next.catch(() => {});
    return next;
  }
}

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(bytes < 10 * 1024 ? 1 : 0)} KB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}
