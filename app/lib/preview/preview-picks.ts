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

  add(pick: PreviewPick, projectFiles: string[]) {
    const source = pickSource(pick, projectFiles);
    const resolved: PreviewPick = { ...pick, ...(source ? { source } : {}) };
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
