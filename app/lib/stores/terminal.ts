import { atom } from 'nanostores';
import type { TerminalSink } from '../runtime/runtime';

/** Terminal output as chunks; the terminal view writes each chunk once. Bounded so a chatty server cannot eat memory. */
const MAX_CHUNKS = 5000;

// The one place where the app's own terminal lines get their look (ANSI colours for xterm.js).
const BOLD_BLUE = '\x1b[1;34m';
const DIM = '\x1b[2m';
const RED = '\x1b[31m';
const YELLOW = '\x1b[33m';
const RESET = '\x1b[0m';

// CSI and OSC sequences (colours, cursor moves, titles) and the carriage returns before newlines.
const ESCAPES = /\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[@-Z\\-_]|\r(?=\n)/g;

/** A chunk as plain text, without its escape sequences (what a placeholder shows before xterm.js loads). */
export function plainText(chunk: string): string {
  return chunk.replace(ESCAPES, '');
}

export class TerminalStore implements TerminalSink {
  readonly chunks = atom<string[]>([]);
  /** Total chunks ever written, so a view knows which ones it has not shown yet. */
  readonly written = atom(0);
  /**
   * Whether a command has run or written output (the app's own notices and errors do not count):
   * then the terminal needs xterm.js; until then the view can show the few lines as plain text.
   */
  readonly ran = atom(false);

  output = (chunk: string) => {
    this.ran.set(true);
    this.write(chunk);
  };

  command = (command: string, note?: string) => {
    this.ran.set(true);
    this.write(`${BOLD_BLUE}$ ${command}${RESET}${note ? `  ${DIM}(${note})${RESET}` : ''}\n`);
  };

  error = (text: string) => this.write(`${RED}${text}${RESET}\n`);

  notice = (text: string) => this.write(`${YELLOW}${text}${RESET}\n`);

  write = (chunk: string) => {
    const next = [...this.chunks.get(), chunk.replace(/\r?\n/g, '\r\n')];
    this.chunks.set(next.length > MAX_CHUNKS ? next.slice(next.length - MAX_CHUNKS) : next);
    this.written.set(this.written.get() + 1);
  };

  clear() {
    this.chunks.set([]);
    this.written.set(0);
    this.ran.set(false);
  }
}
