import { useStore } from '@nanostores/react';
import type { ReadableAtom } from 'nanostores';
import { useEffect, useState } from 'react';
import type { LaunchStep } from '~/lib/runtime/runtime';
import type { Workbench } from '~/lib/stores/workbench';

type Progress = ReadableAtom<readonly LaunchStep[]>;

/** Once the app is up: one line with the launch's total time; the steps, each with its time, on click. */
export function LaunchSummary({ workbench, progress }: { workbench: Workbench; progress: Progress }) {
  const steps = useStore(progress);
  const finished = steps.every(({ status }) => status.state === 'done' || status.state === 'pending');
  const totalMs = steps.reduce((sum, { status }) => sum + (status.state === 'done' ? status.ms : 0), 0);
  return (
    <details className="border-b border-gray-200 px-2 py-1 text-xs dark:border-gray-800">
      <summary className="muted cursor-pointer">{finished ? `Sandbox ready in ${(totalMs / 1000).toFixed(1)} s` : 'Sandbox launch'}</summary>
      <LaunchStepper workbench={workbench} progress={progress} />
    </details>
  );
}

/** A runtime's launch, each step with the time it took; a failure in place with Retry. */
export function LaunchStepper({ workbench, progress }: { workbench: Workbench; progress: Progress }) {
  const steps = useStore(progress);
  const [now, setNow] = useState(() => Date.now());
  const running = steps.some(({ status }) => status.state === 'running');
  useEffect(() => {
    if (!running) return;
    const timer = setInterval(() => setNow(Date.now()), 500);
    return () => clearInterval(timer);
  }, [running]);
  return (
    <ol aria-label="Sandbox progress" className="mx-auto mt-8 w-80 space-y-2 text-sm">
      {steps.map(({ name, label, status: step }) => {
        const time = step.state === 'running' ? `${((now - step.since) / 1000).toFixed(0)}s` : step.state === 'done' || step.state === 'failed' ? `${(step.ms / 1000).toFixed(1)}s` : '';
        return (
          <li key={name} data-step={name} data-state={step.state} className="flex flex-col">
            <div className="flex items-center gap-2">
              <span aria-hidden className={step.state === 'failed' ? 'text-red-600' : step.state === 'done' ? 'text-green-600' : 'muted'}>
                {step.state === 'done' ? '✓' : step.state === 'failed' ? '✕' : step.state === 'running' ? '◐' : '○'}
              </span>
              <span className={step.state === 'pending' ? 'muted' : ''}>{label}</span>
              <span className="muted ml-auto text-xs">{time}</span>
            </div>
            {step.state === 'failed' && (
              <div className="ml-6 mt-1 text-xs text-red-600 dark:text-red-400">
                <p>{step.error}</p>
                <button type="button" className="btn-ghost mt-1 px-2 py-0.5" onClick={() => workbench.runtime.retry()}>
                  Retry
                </button>
              </div>
            )}
          </li>
        );
      })}
    </ol>
  );
}
