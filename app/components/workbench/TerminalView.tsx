import { useStore } from '@nanostores/react';
import { useEffect, useRef, useState } from 'react';
import { errorMessage } from '~/lib/error-message';
import { plainText, type TerminalStore } from '~/lib/stores/terminal';
import type { Workbench } from '~/lib/stores/workbench';

/**
 * The terminal panel: the output of the project's commands, as it arrives, in xterm.js. xterm.js is
 * loaded when the first command runs (or its output arrives), or when the panel is clicked or
 * focused: a chat that runs nothing never needs it. Until then the app's own lines (such as the
 * notice that the project moved to a cloud sandbox) show as plain text; the terminal store keeps
 * every chunk, so xterm.js starts with all of them.
 */
export function TerminalView({ workbench }: { workbench: Workbench }) {
  const host = useRef<HTMLDivElement>(null);
  const { chunks, ran } = workbench.terminal;
  const written = useStore(workbench.terminal.written);
  const [wanted, setWanted] = useState(() => ran.get());
  const [state, setState] = useState<{ state: 'loading' | 'ready' } | { state: 'failed'; message: string }>({ state: 'loading' });
  useEffect(() => {
    if (wanted) return;
    if (ran.get()) setWanted(true);
    return ran.listen((value) => value && setWanted(true));
  }, [wanted, ran]);
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
  const want = () => setWanted(true);
  return (
    <div role="log" aria-label="Terminal" className="relative h-full w-full overflow-hidden px-2 py-1" onPointerDown={wanted ? undefined : want}>
      <div ref={host} className="h-full w-full" />
      {state.state !== 'ready' && (
        <div className="absolute inset-x-2 bottom-1 top-1 flex flex-col">
          {state.state === 'loading' && <Lines chunks={chunks} onFocus={wanted ? undefined : want} />}
          <p className="muted text-xs">
            {!wanted ? (written > 0 ? 'Commands the project runs show here.' : 'No output yet: commands the project runs show here.') : state.state === 'failed' ? `The terminal could not load (${state.message}). Reload the page to try again.` : 'Loading the terminal…'}
          </p>
        </div>
      )}
    </div>
  );
}

/** The lines written so far, as plain text (the app's notices before any command), while xterm.js is not there. */
function Lines({ chunks, onFocus }: { chunks: TerminalStore['chunks']; onFocus?: () => void }) {
  const text = useStore(chunks).map(plainText).join('').replace(/\r\n/g, '\n');
  if (!text) return null;
  return (
    <pre tabIndex={0} onFocus={onFocus} className="min-h-0 overflow-auto whitespace-pre-wrap font-mono text-xs">
      {text}
    </pre>
  );
}
