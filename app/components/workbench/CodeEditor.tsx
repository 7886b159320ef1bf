import { bracketMatching, defaultHighlightStyle, foldGutter, indentOnInput, syntaxHighlighting } from '@codemirror/language';
import { Compartment, EditorState, Transaction } from '@codemirror/state';
import { EditorView, drawSelection, highlightActiveLine, lineNumbers } from '@codemirror/view';
import { useStore } from '@nanostores/react';
import { useEffect, useRef } from 'react';
import type { Workbench } from '~/lib/stores/workbench';
import { editingKeysOnFirstUse } from './editing-keys';
import { editorTheme } from './editor-theme';
import { languageFor } from './languages';

/**
 * CodeMirror 6 on the selected file. While the model writes that file, new text is appended to
 * the document rather than replacing it, so the view does not jump. User edits go to the
 * workbench, which saves them and writes them through to the runtime.
 */
export default function CodeEditor({ workbench }: { workbench: Workbench }) {
  const host = useRef<HTMLDivElement>(null);
  const view = useRef<EditorView | null>(null);
  const language = useRef(new Compartment());
  const keys = useRef(new Compartment());
  const path = useStore(workbench.selectedFile);
  const content = useStore(workbench.files.files, { keys: path ? [path] : [] })[path ?? ''] ?? '';
  const pathRef = useRef(path);
  pathRef.current = path;

  useEffect(() => {
    const editor = new EditorView({
      parent: host.current!,
      state: EditorState.create({
        doc: '',
        extensions: [
          lineNumbers(),
          foldGutter(),
          drawSelection(),
          indentOnInput(),
          bracketMatching(),
          highlightActiveLine(),
          syntaxHighlighting(defaultHighlightStyle, { fallback: true }),
          keys.current.of(editingKeysOnFirstUse(keys.current)),
          language.current.of([]),
          editorTheme(),
          EditorView.contentAttributes.of({ 'aria-label': 'Code editor' }),
          EditorView.updateListener.of((update) => {
            const current = pathRef.current;
            if (!update.docChanged || !current) return;
            if (update.transactions.some((tr) => tr.isUserEvent('input') || tr.isUserEvent('delete') || tr.isUserEvent('undo') || tr.isUserEvent('redo') || tr.isUserEvent('move'))) {
              workbench.editFile(current, update.state.doc.toString());
            }
          }),
        ],
      }),
    });
    view.current = editor;
    return () => editor.destroy();
  }, [workbench]);

  useEffect(() => {
    let current = true;
    void (path ? languageFor(path) : Promise.resolve([])).then((extension) => {
      if (current) view.current?.dispatch({ effects: language.current.reconfigure(extension) });
    });
    return () => {
      current = false;
    };
  }, [path]);

  useEffect(() => {
    const editor = view.current;
    if (!editor) return;
    const doc = editor.state.doc;
    if (doc.length === content.length && doc.toString() === content) return;
    const streaming = workbench.files.streamingPath === path;
    // Not the user's edits: undo must not take them back (it would write another file's text, or
    // an older one, into this file).
    const annotations = Transaction.addToHistory.of(false);
    if (streaming && content.length > doc.length && content.startsWith(doc.sliceString(Math.max(0, doc.length - 64)), Math.max(0, doc.length - 64))) {
      editor.dispatch({ changes: { from: doc.length, insert: content.slice(doc.length) }, scrollIntoView: true, selection: { anchor: content.length }, annotations });
    } else {
      editor.dispatch({ changes: { from: 0, to: doc.length, insert: content }, annotations });
    }
  }, [content, path, workbench]);

  return (
    <div className="flex h-full flex-col">
      <div className="muted border-b border-gray-200 px-3 py-1 text-xs dark:border-gray-800" aria-live="off">
        {path ?? 'No file open'}
      </div>
      <div ref={host} className="min-h-0 flex-1 overflow-hidden" data-testid="editor" />
    </div>
  );
}
