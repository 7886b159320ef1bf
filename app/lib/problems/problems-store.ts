import { atom } from 'nanostores';
import { problemSignature, type Problem, type ProblemReport } from './problem';

/** At most this many problems are kept at once (a page logging errors in a loop must not flood the chat). */
const MAX_PROBLEMS = 20;

/** Reports one load of the preview page may make; past it, the page's reports are dropped and counted. */
export const PAGE_REPORTS_PER_LOAD = 10;

/**
 * The open chat's current problems, one per signature (a repeat raises its count). Dismissed
 * signatures stay hidden until the chat is closed. `clear()` starts afresh: a fix is on its way,
 * and whatever fails after it is news. What the page reports is counted per page load, and never
 * pushes out the runtime's own problems.
 */
export class ProblemsStore {
  readonly active = atom<Problem[]>([]);
  /** The page's reports dropped past the per-load cap since the problems were last cleared. */
  readonly pageDropped = atom(0);
  #pageReports = 0;
  #dismissed = new Set<string>();
  #listeners = new Set<(problem: Problem) => void>();

  report(report: ProblemReport, now = Date.now()): Problem | null {
    if (report.origin === 'page' && ++this.#pageReports > PAGE_REPORTS_PER_LOAD) {
      this.pageDropped.set(this.pageDropped.get() + 1);
      return null;
    }
    const signature = problemSignature(report);
    if (this.#dismissed.has(signature)) return null;
    const list = this.active.get();
    const existing = list.find((p) => p.signature === signature);
    const problem: Problem = existing ? { ...existing, count: existing.count + 1, at: now, output: report.output ?? existing.output } : { ...report, signature, count: 1, at: now };
    this.active.set(existing ? list.map((p) => (p === existing ? problem : p)) : withoutOverflow([...list, problem]));
    for (const listener of this.#listeners) listener(problem);
    return problem;
  }

  /** The preview page loaded (again): it may report up to PAGE_REPORTS_PER_LOAD problems. */
  pageLoaded() {
    this.#pageReports = 0;
  }

  dismiss(signature: string) {
    this.#dismissed.add(signature);
    this.active.set(this.active.get().filter((p) => p.signature !== signature));
  }

  /** Forgets the given problems (a fix for them is on its way), or all of them. */
  clear(problems?: readonly Problem[]) {
    const sent = problems && new Set(problems.map((p) => p.signature));
    this.active.set(sent ? this.active.get().filter((p) => !sent.has(p.signature)) : []);
    // The dropped count belongs with the page's problems: it goes when they do.
    if (!this.active.get().some((p) => p.origin === 'page')) this.pageDropped.set(0);
  }

  onReport(listener: (problem: Problem) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }
}

/** At most MAX_PROBLEMS, the oldest of the page's going first. */
function withoutOverflow(list: Problem[]): Problem[] {
  if (list.length <= MAX_PROBLEMS) return list;
  const oldestFromPage = list.findIndex((p) => p.origin === 'page');
  return withoutOverflow(list.filter((_, i) => i !== (oldestFromPage >= 0 ? oldestFromPage : 0)));
}
