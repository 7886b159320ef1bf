import { useState, type ReactNode } from 'react';
import { ChatHistory } from './ChatHistory';

/** The frame around every page: a header with the chat history toggle, and the page. */
export function AppShell({ children, activeChatId, title }: { children: ReactNode; activeChatId?: string; title?: string }) {
  const [open, setOpen] = useState(false);
  return (
    <div className="flex h-full flex-col">
      <header className="flex items-center gap-3 border-b border-gray-200 px-3 py-2 dark:border-gray-800">
        <button type="button" className="btn-ghost px-2 py-1" aria-expanded={open} aria-controls="chat-history" onClick={() => setOpen((o) => !o)}>
          Chats
        </button>
        <a href="/" className="font-semibold">
          AppForge
        </a>
        {title && <span className="muted min-w-0 truncate text-sm">{title}</span>}
      </header>
      <div className="flex min-h-0 flex-1">
        {open && (
          <aside id="chat-history" className="w-64 shrink-0 border-r border-gray-200 dark:border-gray-800">
            <ChatHistory activeId={activeChatId} />
          </aside>
        )}
        <div className="min-w-0 flex-1 overflow-auto">{children}</div>
      </div>
    </div>
  );
}
