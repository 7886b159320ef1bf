import { FitAddon } from '@xterm/addon-fit';
import { Terminal } from '@xterm/xterm';
import '@xterm/xterm/css/xterm.css';
import type { TerminalStore } from '~/lib/stores/terminal';

/**
 * xterm.js in `host`, showing the terminal store's output: what it holds now, then each chunk as it
 * arrives. Loaded by the terminal panel when the first output arrives. Returns the way to take it down.
 */
export function mountTerminal(host: HTMLElement, store: TerminalStore): () => void {
  const dark = window.matchMedia('(prefers-color-scheme: dark)').matches;
  const terminal = new Terminal({
    convertEol: true,
    disableStdin: true,
    fontSize: 12,
    scrollback: 5000,
    theme: dark ? { background: '#0b0f19' } : { background: '#ffffff', foreground: '#1f2937', cursor: '#1f2937' },
  });
  const fit = new FitAddon();
  terminal.loadAddon(fit);
  terminal.open(host);
  const resize = new ResizeObserver(() => {
    try {
      fit.fit();
    } catch {
      // Not laid out yet.
    }
  });
  resize.observe(host);
  const { chunks, written } = store;
  let shown = written.get() - chunks.get().length;
  const flush = () => {
    const all = chunks.get();
    const total = written.get();
    const start = Math.max(0, all.length - (total - shown));
    for (const chunk of all.slice(start)) terminal.write(chunk);
    shown = total;
  };
  flush();
  const unsubscribe = written.listen(flush);
  return () => {
    unsubscribe();
    resize.disconnect();
    terminal.dispose();
  };
}
