import { useRef, useState, type ReactNode } from 'react';
import { loadDraft, saveDraft } from '~/lib/persistence/drafts';
import { useIsomorphicLayoutEffect } from '../use-isomorphic-layout-effect';

interface PromptBoxProps {
  onSend: (text: string) => void;
  onStop?: () => void;
  busy?: boolean;
  placeholder?: string;
  large?: boolean;
  /** Controls shown beside the buttons (the model picker). */
  children?: ReactNode;
  /** Where the unsent text is kept across reloads: "landing" or the chat's id. */
  draftKey: string;
}

/** Enter sends, Shift+Enter adds a line. While an answer streams, Stop replaces Send. */
export function PromptBox({ onSend, onStop, busy, placeholder, large, children, draftKey }: PromptBoxProps) {
  const [text, setText] = useState('');
  const box = useRef<HTMLTextAreaElement>(null);

  // Text typed before the page became interactive is in the DOM but not in state; adopt it (it is
  // the newest), else restore the saved draft. Otherwise the next render would wipe the box.
  useIsomorphicLayoutEffect(() => {
    const typed = box.current?.value ?? '';
    const restored = typed || loadDraft(draftKey);
    setText(restored);
    if (typed) saveDraft(draftKey, typed);
  }, [draftKey]);

  const change = (value: string) => {
    setText(value);
    saveDraft(draftKey, value);
  };
  const send = () => {
    if (!text.trim() || busy) return;
    onSend(text.trim());
    change('');
  };
  return (
    <form
      className="rounded-xl border border-gray-300 bg-white p-2 shadow-sm dark:border-gray-700 dark:bg-gray-950"
      onSubmit={(event) => {
        event.preventDefault();
        send();
      }}
    >
      <textarea
        ref={box}
        aria-label="Prompt"
        className={`w-full resize-none bg-transparent p-2 outline-none ${large ? 'h-28 text-base' : 'h-16 text-sm'}`}
        placeholder={placeholder ?? 'Describe what to build…'}
        value={text}
        onChange={(event) => change(event.target.value)}
        onKeyDown={(event) => {
          if (event.key === 'Enter' && !event.shiftKey && !event.nativeEvent.isComposing) {
            event.preventDefault();
            send();
          }
        }}
      />
      <div className="flex items-center justify-between gap-2">
        <div className="flex items-center gap-2">{children}</div>
        {busy ? (
          <button type="button" className="btn-ghost" onClick={onStop}>
            Stop
          </button>
        ) : (
          <button type="submit" className="btn-primary" disabled={!text.trim()}>
            Send
          </button>
        )}
      </div>
    </form>
  );
}
