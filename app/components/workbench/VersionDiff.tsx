import { unifiedMergeView } from '@codemirror/merge';
import { EditorState } from '@codemirror/state';
import { EditorView, lineNumbers } from '@codemirror/view';
import { useEffect, useRef, useState } from 'react';
import { errorMessage } from '~/lib/error-message';
import { fileChanges } from '~/lib/versions/file-changes';
import type { VersionHistory } from '~/lib/versions/version-history';
import type { FileChange } from '~/lib/versions/version-types';
import { editorTheme, loadEditorTheme } from './editor-theme';
import { languageFor } from './languages';

interface Compared {
  before: Record<string, string>;
  after: Record<string, string>;
  changes: FileChange[];
}

/** What changed between two versions: the files with lines added and removed, and the selected file's diff (CodeMirror's merge view). */
export function VersionDiff({ history, from, to }: { history: VersionHistory; from: number; to: number }) {
  const [compared, setCompared] = useState<Compared | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [selected, setSelected] = useState<string | null>(null);
  useEffect(() => {
    let cancelled = false;
    setCompared(null);
    setError(null);
    void (async () => {
      const [before, after] = await Promise.all([from > 0 ? history.filesOf(from) : {}, history.filesOf(to)]);
      const changes = await fileChanges(before, after);
      if (cancelled) return;
      setCompared({ before, after, changes });
      setSelected((current) => (current && changes.some((c) => c.path === current) ? current : (changes[0]?.path ?? null)));
    })().catch((e: unknown) => !cancelled && setError(errorMessage(e)));
    return () => {
      cancelled = true;
    };
  }, [history, from, to]);

  const label = from > 0 ? `Changes from v${from} to v${to}` : `Files of v${to}`;
  if (error) return <p role="alert" className="p-3 text-sm text-red-700 dark:text-red-300">{error}</p>;
  if (!compared) return <p className="muted p-3 text-xs">Comparing…</p>;
  return (
    <section aria-label={label} className="flex min-h-0 flex-1 flex-col border-t border-gray-200 dark:border-gray-800">
      {compared.changes.length === 0 ? (
        <p className="muted p-3 text-sm">No file changed between v{from} and v{to}.</p>
      ) : (
        <div className="flex min-h-0 flex-1">
          <ul aria-label="Changed files" className="w-56 shrink-0 overflow-auto border-r border-gray-200 py-1 text-xs dark:border-gray-800">
            {compared.changes.map((change) => (
              <li key={change.path}>
                <button type="button" aria-pressed={change.path === selected} className={`flex w-full gap-2 px-2 py-0.5 text-left ${change.path === selected ? 'bg-blue-100 dark:bg-blue-900/50' : 'hover:bg-gray-100 dark:hover:bg-gray-800'}`} onClick={() => setSelected(change.path)}>
                  <span className="min-w-0 flex-1 truncate" title={change.path}>
                    {change.status === 'added' ? '+ ' : change.status === 'removed' ? '− ' : ''}
                    {change.path}
                  </span>
                  <span className="text-green-700 dark:text-green-400">+{change.added}</span>
                  <span className="text-red-700 dark:text-red-400">−{change.removed}</span>
                </button>
              </li>
            ))}
          </ul>
          {selected && <FileDiff key={`${from}-${to}-${selected}`} path={selected} before={compared.before[selected] ?? ''} after={compared.after[selected] ?? ''} />}
        </div>
      )}
    </section>
  );
}

/** One file's diff: the newer text with the removed lines shown inline (read-only). */
function FileDiff({ path, before, after }: { path: string; before: string; after: string }) {
  const host = useRef<HTMLDivElement>(null);
  useEffect(() => {
    let view: EditorView | undefined;
    let cancelled = false;
    void Promise.all([languageFor(path), loadEditorTheme()]).then(([language]) => {
      if (cancelled) return;
      view = new EditorView({
        parent: host.current!,
        state: EditorState.create({
          doc: after,
          extensions: [
            lineNumbers(),
            EditorState.readOnly.of(true),
            EditorView.editable.of(false),
            unifiedMergeView({ original: before, mergeControls: false, highlightChanges: true, collapseUnchanged: { margin: 3, minSize: 6 } }),
            language,
            editorTheme(),
            EditorView.contentAttributes.of({ 'aria-label': `Diff of ${path}` }),
          ],
        }),
      });
    });
    return () => {
      cancelled = true;
      view?.destroy();
    };
  }, [path, before, after]);
  return <div ref={host} className="min-w-0 flex-1 overflow-auto text-sm" />;
}
