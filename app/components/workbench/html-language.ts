import { foldNodeProp, LanguageSupport, LRLanguage, syntaxTree } from '@codemirror/language';
import { Compartment, type EditorState, type Extension } from '@codemirror/state';
import { ViewPlugin, type EditorView, type ViewUpdate } from '@codemirror/view';
import { parser } from '@lezer/html';

/**
 * HTML documents in the editor: first the HTML parser alone (@lezer/html), then the full language
 * pack (@codemirror/lang-html, which brings the JavaScript and CSS parsers and its own editing
 * helpers, three times the size) once the document has something only it parses (a script's or
 * a style's content, a style or on… attribute) or the editor is focused (editing: it closes tags).
 * Without scripts and styles both highlight the same: the HTML parser is the same.
 */
export function htmlDocument(): Extension {
  const pack = new Compartment();
  return pack.of([new LanguageSupport(htmlPlain), ViewPlugin.define((view) => new FullPackLoader(view, pack))]);
}

/**
 * The HTML parser alone, until the full pack arrives. The editor is not focused yet (focus loads
 * the pack), so nothing here needs lang-html's editing helpers (indentation, tag matching): only
 * highlighting, which is the parser's, and folding an element between its tags.
 */
const htmlPlain = LRLanguage.define({
  name: 'html',
  parser: parser.configure({
    props: [
      foldNodeProp.add({
        Element(node) {
          const open = node.firstChild;
          const close = node.lastChild;
          return open?.name === 'OpenTag' ? { from: open.to, to: close?.name === 'CloseTag' ? close.from : node.to } : null;
        },
      }),
    ],
  }),
  languageData: { commentTokens: { block: { open: '<!--', close: '-->' } } },
});

/** A cheap look at the text before walking the tree: no script, style or such attribute, nothing to nest. */
const MAYBE_NESTED = /<script|<style|\s(?:style|on[a-z]+)\s*=/i;
const NESTED_ATTRIBUTE = /^(?:style|on[a-z]+)$/i;

/**
 * Whether the document (as parsed so far) holds what the HTML parser alone leaves as plain text:
 * a script's or a style's content (not an empty `<script src>`, nor the start of its close tag
 * still being written), or a style or on… attribute.
 */
export function needsNestedLanguages(state: EditorState): boolean {
  if (!MAYBE_NESTED.test(state.doc.toString())) return false;
  let found = false;
  syntaxTree(state).iterate({
    enter: (node) => {
      if (found) return false;
      if (node.name === 'ScriptText' || node.name === 'StyleText') {
        const text = state.doc.sliceString(node.from, node.to).trim().toLowerCase();
        if (text && !`</${node.name === 'ScriptText' ? 'script' : 'style'}`.startsWith(text)) found = true;
        return false;
      }
      if (node.name === 'AttributeName' && NESTED_ATTRIBUTE.test(state.doc.sliceString(node.from, node.to))) found = true;
      return undefined;
    },
  });
  return found;
}

/** Swaps in the full pack (once) when the document or the user needs it. */
class FullPackLoader {
  #requested = false;
  #destroyed = false;

  constructor(
    private readonly view: EditorView,
    private readonly pack: Compartment,
  ) {
    if (view.hasFocus || needsNestedLanguages(view.state)) this.#load();
  }

  update(update: ViewUpdate) {
    if (this.#requested) return;
    if ((update.focusChanged && update.view.hasFocus) || ((update.docChanged || syntaxTree(update.state) !== syntaxTree(update.startState)) && needsNestedLanguages(update.state))) this.#load();
  }

  destroy() {
    this.#destroyed = true;
  }

  #load() {
    this.#requested = true;
    import('@codemirror/lang-html').then(
      ({ html }) => {
        // Always after the update that asked for it (the import resolves later), so dispatching here is allowed.
        if (!this.#destroyed) this.view.dispatch({ effects: this.pack.reconfigure(html()) });
      },
      () => {
        // Stays with the HTML parser alone (scripts and styles unhighlighted); the next file tries again.
      },
    );
  }
}
