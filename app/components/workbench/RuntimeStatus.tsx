import { useStore } from '@nanostores/react';
import { useEffect, useState } from 'react';
import type { RuntimeState, Workbench } from '~/lib/stores/workbench';

function describe(state: RuntimeState, now: number): { text: string; tone: 'muted' | 'ok' | 'error' } {
  switch (state.state) {
    case 'idle':
      return { text: 'Runs in the browser (WebContainer) once files arrive.', tone: 'muted' };
    case 'booting':
      return { text: `Starting the in-browser runtime… ${Math.floor((now - state.since) / 1000)}s`, tone: 'muted' };
    case 'ready':
      return { text: state.kind === 'browser' ? 'Running in the browser (WebContainer).' : 'Running in a cloud sandbox.', tone: 'ok' };
    case 'unavailable':
      return { text: state.message, tone: 'error' };
  }
}

/** Where the project runs, in one line (the status named "Runtime"). */
export function RuntimeStatus({ workbench }: { workbench: Workbench }) {
  const state = useStore(workbench.runtimeState);
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (state.state !== 'booting') return;
    const timer = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(timer);
  }, [state.state]);
  const { text, tone } = describe(state, now);
  const color = tone === 'error' ? 'text-red-600 dark:text-red-400' : tone === 'ok' ? 'text-green-700 dark:text-green-400' : 'muted';
  return (
    <div role="status" aria-label="Runtime" className={`min-w-0 flex-1 truncate text-xs ${color}`} title={text}>
      {text}
    </div>
  );
}
