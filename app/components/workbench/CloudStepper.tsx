import { useStore } from '@nanostores/react';
import { useEffect, useState } from 'react';
import { CLOUD_STEPS, type CloudRuntime } from '~/lib/runtime/cloud-runtime';
import type { Workbench } from '~/lib/stores/workbench';

const LABELS = { creating: 'Creating the sandbox', 'writing files': 'Writing files', installing: 'Installing dependencies', starting: 'Starting the app', ready: 'Waiting for the app to listen' } as const;

/** Once the app is up: one line with the launch's total time; the steps, each with its time, on click. */
export function CloudLaunchSummary({ workbench, cloud }: { workbench: Workbench; cloud: CloudRuntime }) {
  const steps = useStore(cloud.steps);
  const finished = CLOUD_STEPS.every((s) => steps[s].state === 'done' || steps[s].state === 'pending');
  const totalMs = CLOUD_STEPS.reduce((sum, s) => sum + (steps[s].state === 'done' ? (steps[s] as { ms: number }).ms : 0), 0);
  return (
    <details className="border-b border-gray-200 px-2 py-1 text-xs dark:border-gray-800">
      <summary className="muted cursor-pointer">{finished ? `Sandbox ready in ${(totalMs / 1000).toFixed(1)} s` : 'Sandbox launch'}</summary>
      <CloudStepper workbench={workbench} cloud={cloud} />
    </details>
  );
}

/** The cloud sandbox's progress, each step with the time it took; a failure in place with Retry. */
export function CloudStepper({ workbench, cloud }: { workbench: Workbench; cloud: CloudRuntime }) {
  const steps = useStore(cloud.steps);
  const [now, setNow] = useState(() => Date.now());
  const running = CLOUD_STEPS.some((s) => steps[s].state === 'running');
  useEffect(() => {
    if (!running) return;
    const timer = setInterval(() => setNow(Date.now()), 500);
    return () => clearInterval(timer);
  }, [running]);
  return (
    <ol aria-label="Sandbox progress" className="mx-auto mt-8 w-80 space-y-2 text-sm">
      {CLOUD_STEPS.map((name) => {
        const step = steps[name];
        const time = step.state === 'running' ? `${((now - step.since) / 1000).toFixed(0)}s` : step.state === 'done' || step.state === 'failed' ? `${(step.ms / 1000).toFixed(1)}s` : '';
        return (
          <li key={name} data-step={name} data-state={step.state} className="flex flex-col">
            <div className="flex items-center gap-2">
              <span aria-hidden className={step.state === 'failed' ? 'text-red-600' : step.state === 'done' ? 'text-green-600' : 'muted'}>
                {step.state === 'done' ? '✓' : step.state === 'failed' ? '✕' : step.state === 'running' ? '◐' : '○'}
              </span>
              <span className={step.state === 'pending' ? 'muted' : ''}>{LABELS[name]}</span>
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
