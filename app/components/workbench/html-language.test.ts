import { ensureSyntaxTree } from '@codemirror/language';
import { EditorState, type Extension } from '@codemirror/state';
import { describe, expect, it } from 'vitest';
import { htmlDocument, needsNestedLanguages } from './html-language';

/** Whether `doc`, parsed through, needs the full HTML pack. */
function needs(doc: string) {
  const state = EditorState.create({ doc, extensions: htmlDocument() });
  ensureSyntaxTree(state, state.doc.length, 5000);
  return needsNestedLanguages(state);
}

describe('HTML documents in the editor', () => {
  it('stay with the HTML parser alone while the document has nothing it leaves unparsed', () => {
    expect(needs('<h1>hi</h1>')).toBe(false);
    expect(needs('<!doctype html>\n<html><head><title>x</title><link rel="stylesheet" href="a.css"></head><body class="b" data-style="x"><p id="p">text</p></body></html>')).toBe(false);
    // Vite's index.html: a script by its src, nothing inside.
    expect(needs('<div id="root"></div>\n<script type="module" src="/src/main.tsx"></script>\n')).toBe(false);
    // Its close tag still being written.
    expect(needs('<script type="module" src="/src/main.tsx"></scr')).toBe(false);
    // Text that only mentions them.
    expect(needs('<p>Use a script or a style attribute, or onclick.</p>')).toBe(false);
  });

  it('need the full pack for a script or a style with content, or a style or on… attribute', () => {
    expect(needs('<script>\nconst a = 1;\n</script>')).toBe(true);
    expect(needs('<style>body { color: red }</style>')).toBe(true);
    expect(needs('<p style="color: red">x</p>')).toBe(true);
    expect(needs('<button onclick="go()">x</button>')).toBe(true);
    expect(needs('<button ONCLICK=go()>x</button>')).toBe(true);
  });

  it('parse a document without scripts and styles as the full pack does (so both highlight it the same)', async () => {
    const { html } = await import('@codemirror/lang-html');
    const doc = '<!doctype html>\n<!-- c --><html><body class="b"><a href="x" data-on="y">t &amp; u</a><br/></body></html>';
    const tree = (extension: Extension) => {
      const state = EditorState.create({ doc, extensions: extension });
      return ensureSyntaxTree(state, state.doc.length, 5000)!.toString();
    };
    expect(tree(htmlDocument())).toBe(tree(html()));
    expect(tree(htmlDocument())).toContain('AttributeName');
  });
});
