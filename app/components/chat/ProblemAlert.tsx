import type { Problem, ProblemKind } from '~/lib/problems/problem';
import { PAGE_REPORTS_PER_LOAD } from '~/lib/problems/problems-store';

const KIND: Record<ProblemKind, string> = {
  command: 'Command failed',
  start: 'Server stopped',
  build: 'Build error',
  runtime: 'Error in the page',
  http: 'Server error',
};

const CAUSE_FIRST: ProblemKind[] = ['build', 'start', 'command', 'http', 'runtime'];

interface ProblemAlertProps {
  problems: readonly Problem[];
  /** The page's reports dropped past its per-load cap. */
  pageDropped: number;
  onFix: () => void;
  onDismiss: () => void;
  /** Fix it waits while an answer streams. */
  busy: boolean;
  /** The newest version that ran without problems (other than the current one), to go back to in one click. */
  lastWorking?: { seq: number; label: string };
  onRestore?: (seq: number) => void;
}

/** "The app failed: …" with the details one click away, Fix it and Dismiss. */
export function ProblemAlert({ problems, pageDropped, onFix, onDismiss, busy, lastWorking, onRestore }: ProblemAlertProps) {
  if (problems.length === 0) return null;
  // The cause first: a build error explains the script that then failed to load.
  const sorted = [...problems].sort((a, b) => CAUSE_FIRST.indexOf(a.kind) - CAUSE_FIRST.indexOf(b.kind));
  const [first] = sorted;
  const more = problems.length > 1 ? ` (and ${problems.length - 1} more)` : '';
  return (
    <div role="alert" aria-label="The app failed" className="mt-3 rounded-lg border border-amber-300 bg-amber-50 p-3 text-sm text-amber-900 dark:border-amber-800 dark:bg-amber-950/40 dark:text-amber-100">
      <p className="font-medium">
        The app failed: {first.message.split('\n')[0].slice(0, 200)}
        {more}
      </p>
      <details className="mt-1">
        <summary className="cursor-pointer text-xs">Details</summary>
        <ul className="mt-1 space-y-2">
          {sorted.map((problem) => (
            <li key={problem.signature}>
              <p className="text-xs font-medium">
                {KIND[problem.kind]}
                {problem.origin === 'page' ? ' (reported by the page)' : ''}
                {problem.where ? ` in ${problem.where}` : ''}
                {problem.count > 1 ? ` · ${problem.count}×` : ''}
              </p>
              <p className="whitespace-pre-wrap text-xs">{problem.message}</p>
              {problem.output && problem.output !== problem.message && <pre className="mt-1 max-h-48 overflow-auto rounded bg-black/5 p-2 text-[11px] dark:bg-white/5">{problem.output}</pre>}
            </li>
          ))}
        </ul>
        {pageDropped > 0 && <p className="mt-2 text-xs">The page reported {pageDropped} more problems, past the {PAGE_REPORTS_PER_LOAD} a page load may report; they were dropped.</p>}
      </details>
      <div className="mt-2 flex gap-2">
        <button type="button" className="btn-primary" disabled={busy} onClick={onFix}>
          Fix it
        </button>
        {lastWorking && onRestore && (
          <button type="button" className="btn-ghost" disabled={busy} title={`Back to v${lastWorking.seq} (${lastWorking.label}), the last version that ran without problems; this can be undone`} onClick={() => onRestore(lastWorking.seq)}>
            Restore last working version (v{lastWorking.seq})
          </button>
        )}
        <button type="button" className="btn-ghost" onClick={onDismiss}>
          Dismiss
        </button>
      </div>
    </div>
  );
}
