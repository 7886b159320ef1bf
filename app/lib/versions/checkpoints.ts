import { atom } from 'nanostores';
import { errorMessage } from '../error-message';
import type { Problem } from '../problems/problem';
import type { ProblemsStore } from '../problems/problems-store';
import type { RuntimeController } from '../runtime/runtime-controller';
import type { ProjectSync } from '../runtime/project-sync';
import type { TerminalSink } from '../runtime/runtime';
import type { FilesStore } from '../stores/files';
import { sha256 } from './content-address';
import type { NewVersion, VersionHistory } from './version-history';
import type { VersionHealth, VersionRecord } from './version-types';

export interface CheckpointDeps {
  history: VersionHistory;
  files: FilesStore;
  sync: ProjectSync;
  runtime: RuntimeController;
  problems: ProblemsStore;
  terminal: TerminalSink;
  /** The app's server is about to be stopped on purpose (before its data is put back): its exit is no failure. */
  expectServerStop: () => void;
  /** Paths the model may not change; a restore leaves them too unless asked. */
  locked: () => ReadonlySet<string>;
  /** How long the app must run without a problem to count as working (default WORKING_AFTER_MS). */
  workingAfterMs?: number;
}

/** What a restore is doing, for the timeline (null: nothing). */
export type RestoreProgress = { seq: number; step: string; since: number } | null;

/** How long the app must run without a problem after a version to count as working. */
export const WORKING_AFTER_MS = 5000;

/** A capture that takes longer is given up (the version is kept without the app's data). */
const CAPTURE_TIMEOUT_MS = 30_000;

/**
 * Makes and restores versions for the open chat: a version when a turn settles (the files, and the
 * cloud sandbox's own state), its health from the problems that follow, and restores that bring
 * back files, app data and the running app, themselves recorded as versions so they can be undone.
 */
export class Checkpoints {
  readonly restoring = atom<RestoreProgress>(null);
  /** The last restore's or capture's trouble, in a sentence (shown in the timeline). */
  readonly note = atom<string | null>(null);
  #deps: CheckpointDeps;
  #watch?: HealthWatch;

  constructor(deps: CheckpointDeps) {
    this.#deps = deps;
  }

  /** An answer's actions have run: its version, with the sandbox's state when the project runs in one. */
  async turnSettled(turn: { messageId: string; label: string }): Promise<VersionRecord> {
    const watch = this.#startWatch();
    const files = this.#deps.files.snapshot();
    const state = await this.#capture(Object.keys(files));
    return this.#record({ kind: 'turn', label: turn.label, messageId: turn.messageId, files, state }, watch);
  }

  /**
   * Brings back version `seq`: its files into the workbench and the runtime, its app data into the
   * sandbox, the app restarted. What was there before is kept first (a checkpoint, when it differs
   * from the newest version), and the restore is a version of its own: both can be restored again.
   */
  async restore(seq: number, options: { includeLocked?: boolean } = {}): Promise<VersionRecord> {
    const { history, files, sync, runtime, problems } = this.#deps;
    const version = history.get(seq);
    if (!version) throw new Error(`There is no version ${seq} in this chat.`);
    if (this.restoring.get()) throw new Error('A restore is already under way.');
    const step = (text: string) => this.restoring.set({ seq, step: text, since: this.restoring.get()?.since ?? Date.now() });
    this.note.set(null);
    try {
      step('reading the version');
      const target = await history.filesOf(seq);
      const current = files.snapshot();
      step('keeping the project as it is now');
      const state = await this.#capture(Object.keys(current));
      const latest = history.latest();
      const sameFiles = await history.sameAsLatest(current);
      if (!sameFiles || (state && !(await sameState(state, latest)))) {
        // Only the app's data changed: the files ran as they did in the newest version.
        await history.record({ kind: 'checkpoint', label: `Before restoring v${seq}`, files: current, state, health: sameFiles ? latest?.health : undefined });
      }
      // Locked files stay as they are (unless asked): kept where they exist, never deleted.
      const locked = options.includeLocked ? new Set<string>() : this.#deps.locked();
      for (const path of locked) if (path in current) target[path] = current[path];

      step('restoring files');
      for (const path of Object.keys(current)) if (!(path in target)) files.remove(path);
      for (const [path, content] of Object.entries(target)) if (current[path] !== content) files.set(path, content);
      await sync.flush();

      const restoresState = runtime.current.get()?.capabilities.state;
      const notes: string[] = [];
      let restoredState: NewVersion['state'];
      // No app data now and none with the version: nothing to put back (the app is not stopped for it).
      const nothingToRestore = version.state?.kind === 'archive' && version.state.files === 0 && !!state && 'archive' in state && state.files === 0;
      if (restoresState && version.state?.kind === 'archive' && nothingToRestore) {
        restoredState = { same: version.state };
      } else if (restoresState && version.state?.kind === 'archive') {
        step('restoring the app’s data');
        const archive = await history.archiveOf(seq);
        if (!archive) throw new Error(`The app data kept with v${seq} is missing from this browser's storage.`);
        this.#deps.expectServerStop();
        await restoresState.restore(archive, Object.keys(target));
        restoredState = { same: version.state };
      } else if (restoresState) {
        notes.push(version.state?.kind === 'pruned' ? `v${seq}'s app data was pruned to save space: the app keeps its current data.` : `v${seq} has no app data kept with it: the app keeps its current data.`);
        restoredState = state;
      }
      problems.clear();
      step('restarting the app');
      const watch = this.#startWatch();
      // The restart replaces the running server: its exit (SIGKILL in a sandbox) is ours, not the app's.
      this.#deps.expectServerStop();
      await runtime.restartApp(current['package.json'] !== target['package.json']);
      const record = await this.#record({ kind: 'restore', label: `Restored v${seq}`, from: seq, files: target, state: restoredState }, watch);
      if (notes.length) this.note.set(notes.join(' '));
      return record;
    } catch (error) {
      this.note.set(`Could not restore v${seq}: ${errorMessage(error)}`);
      throw error;
    } finally {
      this.restoring.set(null);
    }
  }

  /** The newest version is a restore: goes back to what was there before it. */
  undoRestore(): Promise<VersionRecord> {
    const latest = this.#deps.history.latest();
    if (latest?.kind !== 'restore') return Promise.reject(new Error('The newest version is not a restore.'));
    return this.restore(latest.seq - 1);
  }

  dispose() {
    this.#watch?.stop();
  }

  async #record(input: NewVersion, watch: HealthWatch): Promise<VersionRecord> {
    const record = await this.#deps.history.record(input);
    watch.attach(record.seq);
    return record;
  }

  /** The sandbox's state now (undefined: the project does not run in a sandbox that keeps state). */
  async #capture(keep: string[]): Promise<NewVersion['state']> {
    const runtime = this.#deps.runtime;
    const state = runtime.current.get()?.capabilities.state;
    if (!state) return undefined;
    const now = runtime.state.get().state;
    if (now !== 'ready' && now !== 'booting') return { notKept: 'the sandbox was not running' };
    try {
      // A sandbox still starting is waited for (within the same bound).
      return await withTimeout(
        runtime.awaitRuntime().then(() => state.capture(keep)),
        CAPTURE_TIMEOUT_MS,
        'making the archive took too long',
      );
    } catch (error) {
      return { notKept: errorMessage(error) };
    }
  }

  #startWatch(): HealthWatch {
    this.#watch?.stop();
    this.#watch = new HealthWatch(this.#deps);
    return this.#watch;
  }
}

/** Whether a capture holds the same archive as a version (by size, then content hash). */
async function sameState(state: NonNullable<NewVersion['state']>, version: VersionRecord | undefined): Promise<boolean> {
  if (!('archive' in state)) return true;
  return version?.state?.kind === 'archive' && version.state.bytes === state.archive.length && version.state.hash === (await sha256(state.archive));
}

/**
 * A version's health: failed on the first problem reported after it, working once the app has run
 * for WORKING_AFTER_MS without one, unknown if the project never ran. A verdict reached before the
 * version is stored is written when it is.
 */
class HealthWatch {
  #deps: CheckpointDeps;
  #seq?: number;
  #verdict?: VersionHealth;
  #stops: Array<() => void> = [];

  constructor(deps: CheckpointDeps) {
    this.#deps = deps;
    const active = deps.problems.active.get();
    if (active.length) {
      this.#decide(failed(active[0]));
      return;
    }
    this.#stops.push(deps.problems.onReport((problem) => this.#decide(failed(problem))));
    const timer = setTimeout(() => {
      const problem = deps.problems.active.get()[0];
      this.#decide(problem ? failed(problem) : deps.runtime.state.get().state === 'ready' ? { state: 'ok' } : { state: 'unknown' });
    }, deps.workingAfterMs ?? WORKING_AFTER_MS);
    this.#stops.push(() => clearTimeout(timer));
  }

  attach(seq: number) {
    this.#seq = seq;
    if (this.#verdict) void this.#deps.history.setHealth(seq, this.#verdict);
  }

  stop() {
    for (const stop of this.#stops.splice(0)) stop();
  }

  #decide(verdict: VersionHealth) {
    if (this.#verdict) return;
    this.#verdict = verdict;
    this.stop();
    if (this.#seq !== undefined) void this.#deps.history.setHealth(this.#seq, verdict);
  }
}

function failed(problem: Problem): VersionHealth {
  return { state: 'failed', problem: problem.message.split('\n')[0].slice(0, 200) };
}

function withTimeout<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout>;
  return Promise.race([promise, new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(message)), ms)))]).finally(() => clearTimeout(timer));
}
