import { atom } from 'nanostores';
import { problemSignature, type Problem, type ProblemReport } from './problem';

/** At most this many problems are kept at once (a page logging errors in a loop must not flood the chat). */
const MAX_PROBLEMS = 20;

/**
 * The open chat's current problems, one per signature (a repeat raises its count). Dismissed
 * signatures stay hidden until the chat is closed. `clear()` starts afresh: a fix is on its way,
 * and whatever fails after it is news.
 */
export class ProblemsStore {
  readonly active = atom<Problem[]>([]);
  #dismissed = new Set<string>();
  #listeners = new Set<(problem: Problem) => void>();

  report(report: ProblemReport, now = Date.now()): Problem | null {
    const signature = problemSignature(report);
    if (this.#dismissed.has(signature)) return null;
    const list = this.active.get();
    const existing = list.find((p) => p.signature === signature);
    const problem: Problem = existing ? { ...existing, count: existing.count + 1, at: now, output: report.output ?? existing.output } : { ...report, signature, count: 1, at: now };
    this.active.set(existing ? list.map((p) => (p === existing ? problem : p)) : [...list, problem].slice(-MAX_PROBLEMS));
    for (const listener of this.#listeners) listener(problem);
    return problem;
  }

  dismiss(signature: string) {
    this.#dismissed.add(signature);
    this.active.set(this.active.get().filter((p) => p.signature !== signature));
  }

  clear() {
    this.active.set([]);
  }

  onReport(listener: (problem: Problem) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }
}
