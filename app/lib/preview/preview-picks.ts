import type { UIMessage } from 'ai';
import { atom } from 'nanostores';
import { pickSource, type PreviewPick } from './element-picker';

/** Picks one message may carry. */
export const MAX_PICKS = 10;

/**
 * The preview's Select mode and the elements picked in it, waiting to go with the next message
 * (as chips in the prompt box). A pick's source file is made project-relative on arrival.
 */
export class PreviewPicks {
  readonly selecting = atom(false);
  readonly picks = atom<PreviewPick[]>([]);

  add(pick: PreviewPick, projectFiles: Record<string, string>) {
    const source = pickSource(pick, Object.keys(projectFiles));
    const resolved: PreviewPick = { ...pick, ...(source ? { source: sourceLine(source, pick, projectFiles[source.file]) } : {}) };
    // The same element picked twice is one pick (the newer one: its text and box are current).
    const others = this.picks.get().filter((p) => !(p.selector === resolved.selector && p.page === resolved.page));
    this.picks.set([...others, resolved].slice(-MAX_PICKS));
  }

  remove(index: number) {
    this.picks.set(this.picks.get().filter((_, i) => i !== index));
  }

  /** The picks for the message being sent (they leave the prompt box with it). */
  take(): PreviewPick[] {
    const picks = this.picks.get();
    this.picks.set([]);
    return picks;
  }
}

/**
 * The line of the source where the picked element's tag is written. Frameworks report the line of
 * the code the dev server made (React's JSX positions under Vite's refresh wrapper, a stack's
 * line): when that line does not open the element's tag, the line that does (with its classes or
 * text, nearest the reported one) is taken from the file as the workbench has it.
 */
export function sourceLine(source: NonNullable<PreviewPick['source']>, pick: Pick<PreviewPick, 'tag' | 'html' | 'text'>, content: string | undefined): NonNullable<PreviewPick['source']> {
  if (content === undefined) return source;
  const lines = content.split('\n');
  const opens = (line: string) => new RegExp(`<${pick.tag}(?![\\w-])`, 'i').test(line);
  if (source.line && opens(lines[source.line - 1] ?? '')) return source;
  const classes = /\bclass="([^"]*)"/.exec(pick.html)?.[1].split(/\s+/).filter(Boolean) ?? [];
  const words = pick.text.split(/\W+/).filter((word) => word.length > 2);
  let best: { line: number; score: number } | undefined;
  lines.forEach((line, index) => {
    if (!opens(line)) return;
    const score = classes.filter((c) => line.includes(c)).length * 4 + words.filter((w) => line.includes(w)).length * 2 - Math.abs(index + 1 - (source.line ?? 0)) / 1000;
    if (!best || score > best.score) best = { line: index + 1, score };
  });
  if (!best) return source;
  const column = lines[best.line - 1].search(new RegExp(`<${pick.tag}`, 'i')) + 1;
  return { ...source, line: best.line, column };
}

/** How picks travel in a message: one data part (the server turns it into text for the model). */
export const PICKS_PART = 'data-picks' as const;

export function picksPart(picks: PreviewPick[]) {
  return { type: PICKS_PART, data: { picks } };
}

/** The picks a message carries. */
export function picksOf(message: UIMessage): PreviewPick[] {
  return message.parts.flatMap((part) => (part.type === PICKS_PART ? ((part as { data?: { picks?: PreviewPick[] } }).data?.picks ?? []) : []));
}

/** What a message asks about, for choosing the files the request shows: its words and where its picks come from. */
export function requestText(message: UIMessage | undefined, text: string): string {
  if (!message) return text;
  const picks = picksOf(message);
  return [text, ...picks.map((pick) => [pick.source?.file, pick.selector].filter(Boolean).join(' '))].join('\n');
}
