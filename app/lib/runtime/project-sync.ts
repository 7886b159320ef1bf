import type { FilesStore } from '../stores/files';
import { errorMessage } from '../error-message';
import type { Runtime, TerminalSink } from './runtime';

/**
 * The one road from the files store to the runtime. Writers (the model's file actions, the
 * editor) only change the store; ProjectSync copies into the attached runtime what changed since
 * it last copied each path (by the store's per-path versions), in batches, skipping files the
 * model still holds. Until a runtime is attached nothing is lost: attaching copies everything.
 * Files that commands made in the runtime come back (read-back) only where the store has
 * nothing newer.
 */
export class ProjectSync {
  #files: FilesStore;
  #terminal: TerminalSink;
  #runtime: Runtime | null = null;
  /** Path → the store version the attached runtime has (set once its write has landed). */
  #synced = new Map<string, number>();
  /** Path → the store version on its way to the attached runtime (not sent again meanwhile). */
  #inFlight = new Map<string, number>();
  /**
   * Writes under way. They are not serialised: a runtime that batches (the cloud's debounce)
   * merges a burst of keystrokes into one request, as it would without ProjectSync.
   */
  #writes = new Set<Promise<void>>();
  #scheduled = false;
  #listeners = new Set<(paths: string[]) => void>();

  /** Paths whose store copy always wins: a command's change to one is not read back but overwritten. */
  #protected: (path: string) => boolean;

  constructor(files: FilesStore, terminal: TerminalSink, options: { protect?: (path: string) => boolean } = {}) {
    this.#files = files;
    this.#terminal = terminal;
    this.#protected = options.protect ?? (() => false);
    files.onChange((path) => {
      if (this.#runtime && !files.isHeld(path)) this.#schedule();
    });
  }

  get runtime(): Runtime | null {
    return this.#runtime;
  }

  /** Copies the whole project into a ready runtime and keeps it in sync from then on. Rejects if the first copy fails. */
  attach(runtime: Runtime): Promise<void> {
    this.#runtime = runtime;
    this.#synced = new Map();
    this.#inFlight = new Map();
    return this.flush();
  }

  /** The runtime is being replaced or disposed: nothing more goes to it. */
  detach() {
    this.#runtime = null;
  }

  /** Resolves when everything the store has now (except held files) has reached the runtime; rejects if a write failed. */
  flush(): Promise<void> {
    this.#copy();
    return Promise.all([...this.#writes]).then(() => undefined);
  }

  /** What the attached runtime has of `path`: the store's content if the runtime has its latest version, else undefined. */
  inRuntime(path: string): string | undefined {
    const content = this.#files.files.get()[path];
    if (content === undefined || this.#files.isHeld(path)) return undefined;
    return (this.#synced.get(path) ?? -1) >= this.#files.versionOf(path) ? content : undefined;
  }

  /** Called with the paths of each batch that reached the runtime. */
  onSynced(listener: (paths: string[]) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /**
   * After a command: files it created or changed in the runtime come into the store, unless the
   * store's copy is newer (changed since the read began, held by the model, or not yet copied in).
   */
  async readBack(): Promise<void> {
    const runtime = this.#runtime;
    if (!runtime?.capabilities.readBack) return;
    const since = this.#files.version;
    let remote: Record<string, string>;
    try {
      remote = await runtime.readTree();
    } catch {
      return; // the tree is read again after the next command
    }
    if (runtime !== this.#runtime) return;
    const local = this.#files.files.get();
    for (const [path, content] of Object.entries(remote)) {
      if (this.#files.changedSince(since, path) || this.#files.isHeld(path)) continue;
      const known = path in local;
      // Not in the store but copied before: the store removed it, and that removal is newer.
      if (!known && this.#synced.has(path)) continue;
      if (known && (this.#synced.get(path) ?? -1) < this.#files.versionOf(path)) continue;
      if (local[path] === content) continue;
      if (known && this.#protected(path)) {
        // A locked file a command changed: the runtime gets the store's copy back.
        this.#synced.delete(path);
        this.#schedule();
        continue;
      }
      this.#files.set(path, content);
      this.#synced.set(path, this.#files.versionOf(path));
    }
  }

  #schedule() {
    if (this.#scheduled) return;
    this.#scheduled = true;
    // One batch for everything changed in the same turn of the event loop.
    setTimeout(() => {
      this.#scheduled = false;
      this.#copy()?.catch((error: unknown) => this.#terminal.error(`Could not copy files into the runtime: ${errorMessage(error)}`));
    }, 0);
  }

  /** Starts one write of everything not yet in (or on its way to) the runtime; undefined when there is nothing to send. */
  #copy(): Promise<void> | undefined {
    const runtime = this.#runtime;
    if (!runtime) return;
    const synced = this.#synced;
    const inFlight = this.#inFlight;
    const known = (path: string) => Math.max(synced.get(path) ?? -1, inFlight.get(path) ?? -1);
    const files = this.#files.files.get();
    const batch: Record<string, string> = {};
    const versions = new Map<string, number>();
    for (const [path, content] of Object.entries(files)) {
      if (this.#files.isHeld(path)) continue;
      const version = this.#files.versionOf(path);
      if (known(path) >= version) continue;
      batch[path] = content;
      versions.set(path, version);
    }
    const removals = new Map<string, number>();
    for (const path of synced.keys()) {
      if (!(path in files) && known(path) < this.#files.versionOf(path)) removals.set(path, this.#files.versionOf(path));
    }
    if (versions.size === 0 && removals.size === 0) return;
    const sent = new Map([...versions, ...removals]);
    for (const [path, version] of sent) inFlight.set(path, version);
    const write = (async () => {
      try {
        if (versions.size) await runtime.writeFiles(batch);
        if (removals.size) await runtime.removePaths([...removals.keys()]);
      } finally {
        for (const [path, version] of sent) if (inFlight.get(path) === version) inFlight.delete(path);
      }
      for (const [path, version] of versions) synced.set(path, Math.max(version, synced.get(path) ?? -1));
      for (const path of removals.keys()) if (!(path in this.#files.files.get())) synced.delete(path);
      if (runtime !== this.#runtime) return;
      for (const listener of this.#listeners) listener([...sent.keys()]);
    })();
    this.#writes.add(write);
    void write.then(
      () => this.#writes.delete(write),
      () => this.#writes.delete(write),
    );
    return write;
  }
}
