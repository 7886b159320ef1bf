import type { Extension } from '@codemirror/state';

let theme: Extension = [];
let loading: Promise<void> | undefined;

/**
 * Loads the editors' theme: One Dark where the page is dark, nothing elsewhere (a light page
 * never downloads it). Waited for before an editor is made, so that it never shows light first.
 */
export function loadEditorTheme(): Promise<void> {
  loading ??=
    typeof window !== 'undefined' && window.matchMedia('(prefers-color-scheme: dark)').matches
      ? import('@codemirror/theme-one-dark').then(
          ({ oneDark }) => void (theme = oneDark),
          () => {}, // the editors show light
        )
      : Promise.resolve();
  return loading;
}

/** The theme loadEditorTheme() loaded ([] until then, and on a light page). */
export function editorTheme(): Extension {
  return theme;
}
