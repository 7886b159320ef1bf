import { useStore } from '@nanostores/react';
import { Link, useNavigate } from '@remix-run/react';
import { useEffect, useState } from 'react';
import { chatList, refreshChatList, removeChat, renameChat } from '~/lib/stores/chats';
import { SandboxesPanel } from './SandboxesPanel';

/** The chat history: new, open, rename, delete. */
export function ChatHistory({ activeId }: { activeId?: string }) {
  const chats = useStore(chatList);
  const navigate = useNavigate();
  const [editing, setEditing] = useState<string | null>(null);
  const [draft, setDraft] = useState('');
  useEffect(() => {
    void refreshChatList();
  }, []);

  return (
    <nav aria-label="Chat history" className="flex h-full flex-col gap-2 p-3">
      <Link to="/" reloadDocument className="btn-primary justify-center">
        New chat
      </Link>
      <ul className="flex-1 overflow-y-auto text-sm">
        {chats.length === 0 && <li className="muted p-2">No chats yet.</li>}
        {chats.map((chat) => (
          <li key={chat.id} className={`group flex items-center gap-1 rounded-md px-2 py-1 ${chat.id === activeId ? 'bg-gray-200 dark:bg-gray-800' : 'hover:bg-gray-100 dark:hover:bg-gray-800/60'}`}>
            {editing === chat.id ? (
              <form
                className="flex flex-1 gap-1"
                onSubmit={(event) => {
                  event.preventDefault();
                  void renameChat(chat.id, draft).then(() => setEditing(null));
                }}
              >
                <input aria-label="Chat title" autoFocus className="min-w-0 flex-1 rounded border border-gray-300 bg-transparent px-1 dark:border-gray-600" value={draft} onChange={(e) => setDraft(e.target.value)} onKeyDown={(e) => e.key === 'Escape' && setEditing(null)} />
                <button type="submit" className="text-xs underline">
                  Save
                </button>
              </form>
            ) : (
              <>
                <Link to={`/chat/${chat.id}`} className="min-w-0 flex-1 truncate" title={chat.title}>
                  {chat.title}
                </Link>
                <button type="button" aria-label={`Rename ${chat.title}`} className="muted opacity-0 group-hover:opacity-100 focus:opacity-100" onClick={() => { setEditing(chat.id); setDraft(chat.title); }}>
                  ✎
                </button>
                <button
                  type="button"
                  aria-label={`Delete ${chat.title}`}
                  className="muted opacity-0 group-hover:opacity-100 focus:opacity-100"
                  onClick={() => {
                    if (!window.confirm(`Delete "${chat.title}" and its files?`)) return;
                    void removeChat(chat.id).then(() => chat.id === activeId && navigate('/'));
                  }}
                >
                  ✕
                </button>
              </>
            )}
          </li>
        ))}
      </ul>
      <SandboxesPanel />
    </nav>
  );
}
