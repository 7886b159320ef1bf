import { useStore } from '@nanostores/react';
import { useEffect, useState } from 'react';
import type { Routing, RuntimeState } from '~/lib/runtime/runtime-controller';
import type { Workbench } from '~/lib/stores/workbench';

function describe(routing: Routing, state: RuntimeState, now: number): { text: string; tone: 'muted' | 'ok' | 'error' } {
  const where = routing.target === 'cloud' ? 'Cloud sandbox' : 'Browser (WebContainer)';
  // A fallback's note says where and why in one sentence.
  const line = routing.note ?? `${where}: ${routing.reasons[0] ?? ''}`;
  switch (state.state) {
    case 'idle':
      return { text: line, tone: 'muted' };
    case 'booting':
      return { text: `${line} · starting… ${Math.floor((now - state.since) / 1000)}s`, tone: 'muted' };
    case 'ready':
      return { text: line, tone: 'ok' };
    case 'unavailable':
      return { text: state.message, tone: 'error' };
  }
}

/** Where the project runs and why, in one line (the status named "Runtime"); the reasons on click. */
export function RuntimeStatus({ workbench }: { workbench: Workbench }) {
  const state = useStore(workbench.runtime.state);
  const routing = useStore(workbench.runtime.routing);
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (state.state !== 'booting') return;
    const timer = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(timer);
  }, [state.state]);
  const { text, tone } = describe(routing, state, now);
  const color = tone === 'error' ? 'text-red-600 dark:text-red-400' : tone === 'ok' ? 'text-green-700 dark:text-green-400' : 'muted';
  return (
    <details className="relative min-w-0 flex-1">
      <summary role="status" aria-label="Runtime" className={`cursor-pointer list-none truncate text-xs ${color}`} title={text}>
        {text}
      </summary>
      <div className="panel absolute left-0 top-6 z-10 w-96 rounded-lg border border-gray-200 p-3 text-xs shadow-lg dark:border-gray-700">
        <p className="font-semibold">{routing.target === 'cloud' ? 'Runs in a cloud sandbox' : 'Runs in the browser'} because:</p>
        <ul className="mt-1 list-disc pl-4">
          {(routing.note ? [routing.note, ...routing.reasons] : routing.reasons).map((reason) => (
            <li key={reason}>{reason}</li>
          ))}
        </ul>
        {routing.source === 'user' && <p className="muted mt-2">Your choice wins over the automatic one for this chat.</p>}
      </div>
    </details>
  );
}

/** "Run in cloud sandbox" / "Run in browser" / "Recreate sandbox", as the situation allows. */
export function RuntimeActions({ workbench }: { workbench: Workbench }) {
  const state = useStore(workbench.runtime.state);
  const routing = useStore(workbench.runtime.routing);
  return (
    <>
      {state.state === 'unavailable' && state.gone && (
        <button type="button" className="btn-primary px-2 py-0.5" onClick={() => workbench.runtime.recreate()}>
          Recreate sandbox
        </button>
      )}
      {routing.target === 'browser' ? (
        <button type="button" className="btn-ghost px-2 py-0.5" onClick={() => workbench.runtime.choose('cloud')}>
          Run in cloud sandbox
        </button>
      ) : (
        !routing.hard && (
          <button type="button" className="btn-ghost px-2 py-0.5" onClick={() => workbench.runtime.choose('browser')}>
            Run in browser
          </button>
        )
      )}
    </>
  );
}
