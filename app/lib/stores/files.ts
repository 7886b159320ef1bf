import { map } from 'nanostores';

/** The project's files (path → text) for the open chat: what the tree and the editor show. */
export class FilesStore {
  readonly files = map<Record<string, string>>({});
  /** The file the model is writing right now, if any. */
  streamingPath: string | null = null;

  open(path: string) {
    this.streamingPath = path;
    this.files.setKey(path, '');
  }

  append(path: string, text: string) {
    this.files.setKey(path, (this.files.get()[path] ?? '') + text);
  }

  set(path: string, content: string) {
    this.files.setKey(path, content);
  }

  replaceAll(files: Record<string, string>) {
    this.files.set({ ...files });
  }

  snapshot(): Record<string, string> {
    return { ...this.files.get() };
  }
}
