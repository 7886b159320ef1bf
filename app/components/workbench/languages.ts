import type { Extension } from '@codemirror/state';

/** The language support for a file, loaded on first use: most sessions need one or two of them. */
export async function languageFor(path: string): Promise<Extension> {
  const ext = path.split('.').pop()?.toLowerCase() ?? '';
  if (['js', 'mjs', 'cjs', 'jsx', 'ts', 'mts', 'cts', 'tsx'].includes(ext)) {
    const { javascript } = await import('@codemirror/lang-javascript');
    return javascript({ jsx: ext.endsWith('x'), typescript: ext.includes('t') && ext !== 'mjs' && ext !== 'cjs' });
  }
  // An HTML document starts with the HTML parser alone and gets the full pack when it needs it
  // (html-language.ts); Svelte and Vue components always have scripts.
  if (['html', 'htm'].includes(ext)) return (await import('./html-language')).htmlDocument();
  if (['svelte', 'vue'].includes(ext)) return (await import('@codemirror/lang-html')).html();
  if (['css', 'scss', 'less'].includes(ext)) return (await import('@codemirror/lang-css')).css();
  if (ext === 'json') return (await import('@codemirror/lang-json')).json();
  if (['md', 'mdx'].includes(ext)) return (await import('@codemirror/lang-markdown')).markdown();
  if (ext === 'py') return (await import('@codemirror/lang-python')).python();
  return [];
}
