import { useState, type ReactNode } from 'react';

interface PromptBoxProps {
  onSend: (text: string) => void;
  onStop?: () => void;
  busy?: boolean;
  placeholder?: string;
  large?: boolean;
  /** Controls shown beside the buttons (the model picker). */
  children?: ReactNode;
  initial?: string;
}

/** Enter sends, Shift+Enter adds a line. While an answer streams, Stop replaces Send. */
export function PromptBox({ onSend, onStop, busy, placeholder, large, children, initial = '' }: PromptBoxProps) {
  const [text, setText] = useState(initial);
  const send = () => {
    if (!text.trim() || busy) return;
    onSend(text.trim());
    setText('');
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
        aria-label="Prompt"
        className={`w-full resize-none bg-transparent p-2 outline-none ${large ? 'h-28 text-base' : 'h-16 text-sm'}`}
        placeholder={placeholder ?? 'Describe what to build…'}
        value={text}
        onChange={(event) => setText(event.target.value)}
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
