import { Link, useParams } from '@remix-run/react';
import { useEffect, useState } from 'react';
import { ChatSession } from '~/components/chat/ChatSession';
import { AppShell } from '~/components/sidebar/AppShell';
import { getChat } from '~/lib/persistence/chat-db';
import { errorMessage } from '~/lib/error-message';

type Loaded = { state: 'loading' } | { state: 'missing' } | { state: 'error'; message: string } | { state: 'ready'; data: NonNullable<Awaited<ReturnType<typeof getChat>>> };

/** A saved chat, loaded from this browser's IndexedDB (chats never leave the browser). */
export default function ChatRoute() {
  const { id = '' } = useParams();
  const [loaded, setLoaded] = useState<Loaded>({ state: 'loading' });

  useEffect(() => {
    let cancelled = false;
    setLoaded({ state: 'loading' });
    getChat(id).then(
      (data) => !cancelled && setLoaded(data ? { state: 'ready', data } : { state: 'missing' }),
      (error: unknown) => !cancelled && setLoaded({ state: 'error', message: errorMessage(error) }),
    );
    return () => {
      cancelled = true;
    };
  }, [id]);

  return (
    <AppShell activeChatId={id} title={loaded.state === 'ready' ? loaded.data.chat.title : undefined}>
      {loaded.state === 'loading' && <p className="muted p-6 text-sm">Loading the chat…</p>}
      {loaded.state === 'missing' && (
        <div className="p-6 text-sm">
          <p>This chat is not saved in this browser.</p>
          <Link to="/" className="underline">
            Start a new chat
          </Link>
        </div>
      )}
      {loaded.state === 'error' && <p role="alert" className="p-6 text-sm text-red-600">Could not read saved chats from this browser: {loaded.message}</p>}
      {loaded.state === 'ready' && (
        <ChatSession
          key={id}
          chat={loaded.data.chat}
          initialMessages={loaded.data.messages}
          initialFiles={loaded.data.files}
          actionStates={loaded.data.actionStates}
        />
      )}
    </AppShell>
  );
}
