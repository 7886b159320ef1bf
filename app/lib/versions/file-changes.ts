import type { FileChange } from './version-types';

type Diff = { Chunk: typeof import('@codemirror/merge').Chunk; Text: typeof import('@codemirror/state').Text };

/** The diff is loaded on first use: a chat that never changes a file does not load it. */
let diffModules: Promise<Diff> | undefined;
const loadDiff = () => (diffModules ??= Promise.all([import('@codemirror/merge'), import('@codemirror/state')]).then(([merge, state]) => ({ Chunk: merge.Chunk, Text: state.Text })));

/**
 * Lines added and removed between two texts, by the same diff the merge view shows
 * (@codemirror/merge's chunks), so the numbers in the timeline match what a diff displays.
 */
export function lineChanges({ Chunk, Text }: Diff, before: string, after: string): { added: number; removed: number } {
  if (before === after) return { added: 0, removed: 0 };
  const a = Text.of(before.split('\n'));
  const b = Text.of(after.split('\n'));
  let added = 0;
  let removed = 0;
  for (const chunk of Chunk.build(a, b)) {
    removed += linesIn(a, chunk.fromA, chunk.toA);
    added += linesIn(b, chunk.fromB, chunk.toB);
  }
  return { added, removed };
}

/** Lines a chunk's side covers: none when empty, else from its first line to the line its end falls in. */
function linesIn(doc: InstanceType<Diff['Text']>, from: number, to: number): number {
  if (to <= from) return 0;
  const end = Math.min(to, doc.length);
  // `to` is one past the last changed line's end: that line is the one holding `to - 1`.
  return doc.lineAt(Math.max(from, end - (to > doc.length ? 0 : 1))).number - doc.lineAt(from).number + 1;
}

/** Texts count their lines the way an editor shows them: an empty file has none. */
function lineCount(text: string) {
  return text === '' ? 0 : text.split('\n').length - (text.endsWith('\n') ? 1 : 0);
}

/** How the project changed from `before` to `after` (path → text; only the paths that may differ are needed), sorted by path. */
export async function fileChanges(before: Record<string, string>, after: Record<string, string>): Promise<FileChange[]> {
  const diff = Object.keys(before).some((path) => path in after && before[path] !== after[path]) ? await loadDiff() : undefined;
  const changes: FileChange[] = [];
  for (const path of [...new Set([...Object.keys(before), ...Object.keys(after)])].sort()) {
    const a = before[path];
    const b = after[path];
    if (a === b) continue;
    if (a === undefined) changes.push({ path, status: 'added', added: lineCount(b!), removed: 0 });
    else if (b === undefined) changes.push({ path, status: 'removed', added: 0, removed: lineCount(a) });
    else changes.push({ path, status: 'modified', ...lineChanges(diff!, a, b) });
  }
  return changes;
}
