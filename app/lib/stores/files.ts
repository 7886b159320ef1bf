import { map } from 'nanostores';

/**
 * The project's files (path → text) for the open chat: what the tree and the editor show, and
 * the one place every writer writes to (the model's file actions, the editor, files read back
 * from a runtime). ProjectSync copies it into the runtime.
 */
export class FilesStore {
  readonly files = map<Record<string, string>>({});
  /** The file the model is writing right now, if any (the editor follows its end). */
  streamingPath: string | null = null;
  /** Increases with every change; each path remembers the version of its last change. */
  version = 0;
  #versions = new Map<string, number>();
  /** Files the model writes that the runtime must not get yet: still streaming, or queued behind a command. */
  #held = new Set<string>();
  #listeners = new Set<(path: string) => void>();

  /** The model starts writing a file: its content is reset, and it is held until released. */
  open(path: string) {
    this.streamingPath = path;
    this.#held.add(path);
    this.set(path, '');
  }

  append(path: string, text: string) {
    this.set(path, (this.files.get()[path] ?? '') + text);
  }

  /** The model's file may reach the runtime now (its turn in the action queue), with its final content if given. */
  release(path: string, content?: string) {
    if (!this.#held.delete(path)) return;
    if (content !== undefined && content !== this.files.get()[path]) this.set(path, content);
    else this.#emit(path);
  }

  set(path: string, content: string) {
    this.#versions.set(path, ++this.version);
    this.files.setKey(path, content);
    this.#emit(path);
  }

  remove(path: string) {
    if (!(path in this.files.get())) return;
    this.#versions.set(path, ++this.version);
    this.#held.delete(path);
    const { [path]: _removed, ...rest } = this.files.get();
    this.files.set(rest);
    this.#emit(path);
  }

  /** A saved project, as it was: nothing held. */
  replaceAll(files: Record<string, string>) {
    const paths = Object.keys({ ...this.files.get(), ...files });
    for (const path of paths) this.#versions.set(path, ++this.version);
    this.#held.clear();
    this.files.set({ ...files });
    for (const path of paths) this.#emit(path);
  }

  isHeld(path: string) {
    return this.#held.has(path);
  }

  /** The version of the path's last change (0: never changed since the store began). */
  versionOf(path: string) {
    return this.#versions.get(path) ?? 0;
  }

  changedSince(version: number, path: string) {
    return this.versionOf(path) > version;
  }

  /** Called with the path after every change (and when a held file is released). */
  onChange(listener: (path: string) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  snapshot(): Record<string, string> {
    return { ...this.files.get() };
  }

  #emit(path: string) {
    for (const listener of this.#listeners) listener(path);
  }
}
