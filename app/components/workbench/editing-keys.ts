import type { Compartment, Extension } from '@codemirror/state';
import { EditorView, keymap, runScopeHandlers } from '@codemirror/view';

/**
 * The editor's keys (@codemirror/commands: the default keymap, undo history, Tab to indent), loaded
 * when the editor is first focused: a chat that is only watched never needs them. Keys pressed
 * before they are there wait (their default actions held back) and run, in order, once they are;
 * copy, cut and paste, and keys that compose text, are left to the browser.
 */
export function editingKeysOnFirstUse(compartment: Compartment): Extension {
  /** Keys waiting while the commands load (null: not asked for yet, or the load failed). */
  let waiting: KeyboardEvent[] | null = null;
  const load = (view: EditorView) => {
    if (waiting) return;
    waiting = [];
    import('@codemirror/commands').then(
      ({ defaultKeymap, history, historyKeymap, indentWithTab }) => {
        const keys = waiting ?? [];
        waiting = null;
        // Replaced with the real keys, this extension (and its handlers) leaves the editor.
        view.dispatch({ effects: compartment.reconfigure([history(), keymap.of([...defaultKeymap, ...historyKeymap, indentWithTab])]) });
        for (const event of keys) replay(view, event);
      },
      () => {
        // The browser's own editing stays; the next focus tries again.
        waiting = null;
      },
    );
  };
  return EditorView.domEventHandlers({
    focus: (_event, view) => load(view),
    keydown: (event, view) => {
      load(view);
      if (!waiting || event.isComposing || event.key === 'Process' || event.key === 'Dead' || event.key === 'Unidentified') return false;
      if ((event.ctrlKey || event.metaKey) && !event.altKey && /^[cvx]$/i.test(event.key)) return false;
      event.preventDefault();
      waiting.push(event);
      return true;
    },
  });
}

/** A key that waited: its binding if it has one, else the character it types. */
function replay(view: EditorView, event: KeyboardEvent) {
  if (runScopeHandlers(view, event, 'editor')) return;
  const command = (event.ctrlKey && !event.altKey) || event.metaKey;
  if (event.key.length !== 1 || command || view.state.readOnly) return;
  view.dispatch({ ...view.state.replaceSelection(event.key), scrollIntoView: true, userEvent: 'input.type' });
}
