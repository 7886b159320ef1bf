import { map } from 'nanostores';

/** The project's files (path → text) for the open chat: what the tree and the editor show. */
export class FilesStore {
  readonly files = map<Record<string, string>>({});
  /** The file the model is writing right now, if any. */
  streamingPath: string | null = null;
  /** Increases with every change; `changedSince` tells which files changed after a given point. */
  version = 0;
  #versions = new Map<string, number>();

  open(path: string) {
    this.streamingPath = path;
    this.#touch(path);
    this.files.setKey(path, '');
  }

  append(path: string, text: string) {
    this.#touch(path);
    this.files.setKey(path, (this.files.get()[path] ?? '') + text);
  }

  set(path: string, content: string) {
    this.#touch(path);
    this.files.setKey(path, content);
  }

  changedSince(version: number, path: string) {
    return (this.#versions.get(path) ?? 0) > version;
  }

  #touch(path: string) {
    this.#versions.set(path, ++this.version);
  }

  replaceAll(files: Record<string, string>) {
    this.files.set({ ...files });
  }

  snapshot(): Record<string, string> {
    return { ...this.files.get() };
  }
}
