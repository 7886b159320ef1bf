import type { Sandbox } from '@daytonaio/sdk';
import { SandboxNotFoundError, SandboxProviderError, type SandboxInfo } from '../sandbox-provider.server';
import { mapDaytonaError } from './daytona-errors.server';

/** A sandbox Daytona stopped (auto-stop) or archived, being started again for a call that needs it. */
export interface SandboxRestart {
  sandboxId: string;
  /** What Daytona had done to it: an archived one is restored from its backup, which takes longer. */
  from: 'stopped' | 'archived';
  phase: 'restarting' | 'started' | 'failed';
  /** A line for the person waiting. */
  message: string;
}

export interface RestartOptions {
  /** Seconds a stopped sandbox may take to start again, and an archived one to be restored. */
  startTimeoutS: number;
  archivedStartTimeoutS: number;
  /** Runs a Daytona call with the provider's retries and error mapping. */
  call: <T>(work: () => Promise<T>) => Promise<T>;
  onRestart?: (event: SandboxRestart) => void;
  /** A start issues a new preview token: cached preview targets of the sandbox are stale. */
  forgetPreviews: (sandboxId: string) => void;
}

// Daytona's sandbox states (SandboxState in api.json), as the app sees them.
const STARTING = new Set(['starting', 'restoring', 'creating', 'pending_build', 'building_snapshot', 'pulling_snapshot']);
const ARCHIVED = new Set(['archived', 'archiving']);
const GONE = new Set(['destroying', 'destroyed']);

/** The app's view of a Daytona sandbox's state: stopped, archived and stopping ones do not run. */
export function appState(sandbox: Pick<Sandbox, 'state'>): SandboxInfo['state'] {
  const state = String(sandbox.state ?? '');
  if (state === 'started') return 'started';
  if (state === 'stopped' || state === 'stopping' || ARCHIVED.has(state)) return 'stopped';
  if (STARTING.has(state)) return 'starting';
  if (state === 'error' || state === 'build_failed') return 'error';
  return 'unknown';
}

/** Deleted, or being deleted: gone for the app. */
export function isGone(sandbox: Pick<Sandbox, 'state' | 'desiredState'>): boolean {
  return GONE.has(String(sandbox.state)) || String(sandbox.desiredState) === 'destroyed';
}

/**
 * Brings a sandbox to "started" for a call that needs it running: one Daytona stopped or archived
 * is started again (`sandbox.start()`: a new preview token, processes gone); one on its way up is
 * waited for. Concurrent calls for one sandbox share one start.
 */
export class SandboxWaker {
  #options: RestartOptions;
  #waking = new Map<string, Promise<void>>();

  constructor(options: RestartOptions) {
    this.#options = options;
  }

  set onRestart(listener: ((event: SandboxRestart) => void) | undefined) {
    this.#options.onRestart = listener;
  }

  wake(sandbox: Sandbox): Promise<void> {
    if (sandbox.state === 'started') return Promise.resolve();
    const pending = this.#waking.get(sandbox.id);
    if (pending) return pending;
    const work = this.#wake(sandbox).finally(() => this.#waking.delete(sandbox.id));
    this.#waking.set(sandbox.id, work);
    return work;
  }

  async #wake(sandbox: Sandbox) {
    const { call, startTimeoutS, archivedStartTimeoutS } = this.#options;
    const state = String(sandbox.state);
    if (isGone(sandbox)) throw new SandboxNotFoundError();
    if (STARTING.has(state)) {
      await call(() => sandbox.waitUntilStarted(state === 'restoring' ? archivedStartTimeoutS : startTimeoutS));
      return;
    }
    if (state === 'stopping') await call(() => sandbox.waitUntilStopped(startTimeoutS));
    const archived = ARCHIVED.has(state);
    if (!archived && String(sandbox.state) !== 'stopped') return; // errored or unknown: the call itself says what is wrong
    await this.#restart(sandbox, archived ? 'archived' : 'stopped', archived ? archivedStartTimeoutS : startTimeoutS);
  }

  async #restart(sandbox: Sandbox, from: SandboxRestart['from'], timeoutS: number) {
    const { call, onRestart, forgetPreviews } = this.#options;
    const sandboxId = sandbox.id;
    forgetPreviews(sandboxId);
    onRestart?.({
      sandboxId,
      from,
      phase: 'restarting',
      message:
        from === 'archived'
          ? 'Daytona archived this sandbox after a long idle time: restoring it from its backup takes a minute or two.'
          : 'Daytona stopped this sandbox while it was idle: starting it again.',
    });
    try {
      await call(() => sandbox.start(timeoutS));
    } catch (error) {
      const mapped = mapDaytonaError(error);
      const failed = mapped.status === 504 ? new SandboxProviderError(`The cloud sandbox was ${from} and did not start again within ${timeoutS} s. Try again in a minute.`, 504) : mapped;
      onRestart?.({ sandboxId, from, phase: 'failed', message: failed.message });
      throw failed;
    } finally {
      // Whatever the start's outcome, any token seen before it is stale.
      forgetPreviews(sandboxId);
    }
    onRestart?.({ sandboxId, from, phase: 'started', message: 'The sandbox is running again; its processes were stopped with it.' });
  }
}
