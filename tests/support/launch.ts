import { CloudRuntime } from '../../app/lib/runtime/cloud-runtime';
import type { LaunchStep, PreviewInfo } from '../../app/lib/runtime/runtime';
import type { SandboxView } from '../../app/lib/sandbox/sandbox-api';
import type { ApiClient } from './app-server';

export interface Launched {
  sandbox: SandboxView;
  /** Every command's output, as the terminal would show it. */
  output: string;
  /** The launch steps with their states and times, as the workbench's stepper shows them. */
  steps: readonly LaunchStep[];
  preview?: PreviewInfo;
  /** Why the app did not come up (a step's error), if it did not. */
  failure?: string;
}

/**
 * Brings a project up in a sandbox the way the workbench does, through its cloud runtime
 * (create → write → install → start → wait for the port): tests and benchmarks drive the
 * product's one orchestration, not one of their own.
 */
export async function launch(api: ApiClient, options: { project: string; files?: Array<{ path: string; content: string }>; install?: string; start?: string }): Promise<Launched> {
  const runtime = new CloudRuntime({ project: options.project, client: api.sandboxes(), debounceMs: 0 });
  let output = '';
  const onOutput = (chunk: string) => (output += chunk);
  const result = (extra: Partial<Launched> = {}): Launched => ({ sandbox: runtime.sandbox.get()!, output, steps: runtime.capabilities.progress!.get(), ...extra });
  try {
    await runtime.ready();
    if (options.files?.length) await runtime.writeFiles(Object.fromEntries(options.files.map((f) => [f.path, f.content])));
    if (options.install) {
      const { exitCode } = await runtime.exec(options.install, { onOutput });
      if (exitCode !== 0) return result({ failure: `\`${options.install}\` exited with code ${exitCode}` });
    }
    if (!options.start) return result();
    const preview = new Promise<PreviewInfo>((resolve) => runtime.onPreview(resolve));
    const failed = new Promise<string>((resolve) =>
      runtime.steps.subscribe((steps) => {
        if (steps.ready.state === 'failed') resolve(steps.ready.error);
      }),
    );
    await runtime.start(options.start, { onOutput });
    const outcome = await Promise.race([preview.then((p) => ({ preview: p })), failed.then((failure) => ({ failure }))]);
    return result(outcome);
  } finally {
    // Stops following the app's log; the sandbox and its app keep running.
    await runtime.dispose();
  }
}
