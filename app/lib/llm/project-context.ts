import { isToolUIPart, type UIMessage } from 'ai';

/**
 * What a follow-up sends the model about the project, instead of the whole history with every
 * file it ever wrote: the file list with sizes, the contents of the files relevant to the request
 * (within a budget), and the files the user edited since the last answer. Earlier answers keep
 * their prose and commands; their file contents are replaced by a placeholder. Shared by the
 * browser (which builds it) and the server (which checks it and puts it before the request).
 */
export interface ProjectContext {
  files: Array<{ path: string; size: number }>;
  /** Current contents of the relevant files. */
  contents: Record<string, string>;
  /** Files the user changed in the editor since the last answer. */
  edited: string[];
  /** Files the user locked: the model may not write them. */
  locked?: string[];
  /** What happened to the project since the last answer that the model would not know (a restore, refused writes). */
  notes?: string[];
}

export const CONTEXT_LIMITS = { contentChars: 48_000, files: 5000, pathChars: 500, notes: 10, noteChars: 2000 } as const;

/** Words too common to say which file a request is about. */
const STOP_WORDS = new Set('about after again also there their them then they this that these those with from into when what where which while will would could should make made have please want like just some more less only very your yours than each other does done change update file files page app'.split(' '));

/** Files that say what a project is, worth showing when nothing else points elsewhere. */
const KEY_FILE = /^(package\.json|index\.html|(src\/)?(main|index|app|App|server)\.[cm]?[jt]sx?|app\.py|main\.py|requirements\.txt|vite\.config\.[jt]s)$/;

export function buildProjectContext(input: { files: Record<string, string>; request: string; edited: string[]; locked?: string[]; notes?: string[]; budget?: number }): ProjectContext {
  const { files, request, edited } = input;
  const budget = input.budget ?? CONTEXT_LIMITS.contentChars;
  const text = request.toLowerCase();
  const lowered = Object.fromEntries(Object.entries(files).map(([path, content]) => [path, content.toLowerCase()]));
  // A word of the request points at the files it occurs in only if few files have it ("count" in a
  // project of counters says nothing).
  const rare = Math.max(2, Math.ceil(Object.keys(files).length / 10));
  const words = [...new Set(text.match(/[a-z0-9_$-]{4,}/g) ?? [])].filter((w) => !STOP_WORDS.has(w) && Object.values(lowered).filter((c) => c.includes(w)).length <= rare);
  const score = (path: string) => {
    const name = path.split('/').pop()!.toLowerCase();
    let points = 0;
    if (edited.includes(path)) points += 1000;
    if (text.includes(path.toLowerCase()) || text.includes(name) || (name.includes('.') && new RegExp(`\\b${escape(name.replace(/\.[^.]+$/, ''))}\\b`).test(text))) points += 500;
    if (KEY_FILE.test(path)) points += 50;
    for (const word of words) if (lowered[path].includes(word)) points += 60;
    return points;
  };
  const ranked = Object.entries(files)
    .map(([path, content]) => ({ path, content, points: score(path) }))
    .filter((file) => file.points > 0)
    .sort((a, b) => b.points - a.points || a.content.length - b.content.length);
  const contents: Record<string, string> = {};
  let left = budget;
  for (const file of ranked) {
    if (file.content.length > left) continue;
    contents[file.path] = file.content;
    left -= file.content.length;
  }
  return {
    files: Object.entries(files)
      .map(([path, content]) => ({ path, size: content.length }))
      .sort((a, b) => a.path.localeCompare(b.path))
      .slice(0, CONTEXT_LIMITS.files),
    contents,
    edited: edited.filter((path) => path in files),
    ...(input.locked?.length ? { locked: input.locked.filter((path) => path in files).slice(0, CONTEXT_LIMITS.files) } : {}),
    ...(input.notes?.length ? { notes: input.notes.slice(-CONTEXT_LIMITS.notes).map((note) => note.slice(0, CONTEXT_LIMITS.noteChars)) } : {}),
  };
}

const FILE_ACTION = /(<boltAction\s[^>]*type="file"[^>]*>)([\s\S]*?)(<\/boltAction>)/g;

/** The placeholder that stands for a file's content in earlier answers. */
export const OMITTED = (chars: number) => `[${chars} characters, omitted: see the project files]`;

/**
 * The history with the file contents of earlier answers replaced by a placeholder: in artifacts,
 * and in agent tool calls (files written, files read). The answer an agent is working on keeps
 * its own: its next step may need what it just read.
 */
export function compactHistory(messages: UIMessage[]): UIMessage[] {
  return messages.map((message, index) =>
    message.role !== 'assistant' || (index === messages.length - 1 && message.parts.some(isToolUIPart))
      ? message
      : { ...message, parts: message.parts.map(compactPart) },
  );
}

function compactPart(part: UIMessage['parts'][number]): UIMessage['parts'][number] {
  if (part.type === 'text') return { ...part, text: part.text.replace(FILE_ACTION, (_, open: string, body: string, close: string) => `${open}${OMITTED(body.length)}${close}`) };
  if (part.type === 'tool-write_file' && typeof (part.input as { content?: unknown })?.content === 'string') {
    const input = part.input as { content: string };
    return { ...part, input: { ...input, content: OMITTED(input.content.length) } } as typeof part;
  }
  if (part.type === 'tool-read_file' && part.state === 'output-available' && typeof (part.output as { content?: unknown })?.content === 'string') {
    const output = part.output as { content: string };
    return { ...part, output: { ...output, content: OMITTED(output.content.length) } } as typeof part;
  }
  return part;
}

/** The context as the model reads it, before the user's request (empty for a project without files). */
export function contextPrompt(context: ProjectContext): string {
  if (context.files.length === 0) return '';
  const parts = [`The project now has these files (path: characters):\n${context.files.map((f) => `${f.path}: ${f.size}`).join('\n')}`];
  for (const note of context.notes ?? []) parts.push(note);
  if (context.edited.length) parts.push(`The user edited these files in the editor since your last answer: ${context.edited.join(', ')}. Keep their changes.`);
  if (context.locked?.length) parts.push(`The user locked these files: never write or edit them (such writes are refused). Work around them: ${context.locked.join(', ')}.`);
  const shown = Object.entries(context.contents);
  if (shown.length) parts.push(`Current contents of the files relevant to this request:\n\n${shown.map(([path, content]) => `${path}:\n\`\`\`\n${content}\n\`\`\``).join('\n\n')}`);
  parts.push('Files not shown are as you last wrote them. Earlier answers show their files as a placeholder; never write a placeholder yourself: every file you write is complete.');
  return parts.join('\n\n');
}

function escape(text: string) {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
