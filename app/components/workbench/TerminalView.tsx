import { useEffect, useRef, useState } from 'react';
import { errorMessage } from '~/lib/error-message';
import type { Workbench } from '~/lib/stores/workbench';

/**
 * The terminal panel: the output of the project's commands, as it arrives, in xterm.js. xterm.js is
 * loaded when the first output arrives (a chat that runs nothing never needs it); the terminal
 * store keeps every chunk meanwhile, so xterm.js starts with all of them.
 */
export function TerminalView({ workbench }: { workbench: Workbench }) {
  const host = useRef<HTMLDivElement>(null);
  const { written } = workbench.terminal;
  const [wanted, setWanted] = useState(() => written.get() > 0);
  const [state, setState] = useState<{ state: 'loading' | 'ready' } | { state: 'failed'; message: string }>({ state: 'loading' });
  useEffect(() => {
    if (wanted) return;
    if (written.get() > 0) setWanted(true);
    return written.listen((count) => count > 0 && setWanted(true));
  }, [wanted, written]);
  useEffect(() => {
    if (!wanted) return;
    let unmount: (() => void) | undefined;
    let cancelled = false;
    import('./xterm-terminal').then(
      ({ mountTerminal }) => {
        if (cancelled || !host.current) return;
        unmount = mountTerminal(host.current, workbench.terminal);
        setState({ state: 'ready' });
      },
      (error: unknown) => !cancelled && setState({ state: 'failed', message: errorMessage(error) }),
    );
    return () => {
      cancelled = true;
      unmount?.();
    };
  }, [wanted, workbench]);
  return (
    <div role="log" aria-label="Terminal" className="relative h-full w-full overflow-hidden px-2 py-1">
      <div ref={host} className="h-full w-full" />
      {state.state !== 'ready' && (
        <p className="muted absolute inset-x-2 top-1 text-xs">
          {!wanted ? 'No output yet: commands the project runs show here.' : state.state === 'failed' ? `The terminal could not load (${state.message}). Reload the page to try again.` : 'Loading the terminal…'}
        </p>
      )}
    </div>
  );
}
