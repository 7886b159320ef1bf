import { atom } from 'nanostores';

/** Terminal output as chunks; the terminal view writes each chunk once. Bounded so a chatty server cannot eat memory. */
const MAX_CHUNKS = 5000;

export class TerminalStore {
  readonly chunks = atom<string[]>([]);
  /** Total chunks ever written, so a view knows which ones it has not shown yet. */
  readonly written = atom(0);

  write = (chunk: string) => {
    const next = [...this.chunks.get(), chunk.replace(/\r?\n/g, '\r\n')];
    this.chunks.set(next.length > MAX_CHUNKS ? next.slice(next.length - MAX_CHUNKS) : next);
    this.written.set(this.written.get() + 1);
  };

  clear() {
    this.chunks.set([]);
    this.written.set(0);
  }
}
