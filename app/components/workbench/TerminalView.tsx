import { FitAddon } from '@xterm/addon-fit';
import { Terminal } from '@xterm/xterm';
import '@xterm/xterm/css/xterm.css';
import { useEffect, useRef } from 'react';
import type { Workbench } from '~/lib/stores/workbench';

/** xterm.js showing the output of the project's commands, as it arrives. */
export default function TerminalView({ workbench }: { workbench: Workbench }) {
  const host = useRef<HTMLDivElement>(null);
  useEffect(() => {
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
    terminal.open(host.current!);
    const resize = new ResizeObserver(() => {
      try {
        fit.fit();
      } catch {
        // Not laid out yet.
      }
    });
    resize.observe(host.current!);
    const { chunks, written } = workbench.terminal;
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
  }, [workbench]);
  return <div ref={host} role="log" aria-label="Terminal" className="h-full w-full overflow-hidden px-2 py-1" />;
}
