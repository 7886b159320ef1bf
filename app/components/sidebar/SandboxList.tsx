import { useStore } from '@nanostores/react';
import { useCallback, useEffect, useState } from 'react';
import { errorMessage } from '~/lib/error-message';
import type { SandboxView } from '~/lib/sandbox/sandbox-api';
import { sandboxApi } from '~/lib/sandbox/sandbox-client';
import { chatList } from '~/lib/stores/chats';

const since = (at: number) => {
  const minutes = Math.round((Date.now() - at) / 60_000);
  return minutes < 1 ? 'just now' : minutes < 60 ? `${minutes} min ago` : minutes < 48 * 60 ? `${Math.round(minutes / 60)} h ago` : `${Math.round(minutes / 1440)} days ago`;
};

/** This person's cloud sandboxes: which run, since when, and Stop / Delete for each (shown while the Sandboxes panel is open). */
export function SandboxList() {
  const chats = useStore(chatList);
  const [sandboxes, setSandboxes] = useState<SandboxView[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState<string | null>(null);
  const refresh = useCallback(() => {
    sandboxApi.list().then(
      (list) => (setSandboxes(list), setError(null)),
      (e: unknown) => setError(errorMessage(e)),
    );
  }, []);
  useEffect(refresh, [refresh]);
  const act = (id: string, action: () => Promise<unknown>) => {
    setBusy(id);
    action().then(refresh, (e: unknown) => setError(errorMessage(e))).finally(() => setBusy(null));
  };
  const title = (project: string) => chats.find((chat) => chat.id === project)?.title ?? project;

  return (
    <section aria-label="Sandboxes" className="mt-1 flex flex-col gap-1">
      {error && <p role="alert" className="text-red-600">{error}</p>}
      {sandboxes?.length === 0 && <p className="muted">No cloud sandboxes.</p>}
      <ul className="flex flex-col gap-1">
        {sandboxes?.map((sandbox) => {
          const running = sandbox.state === 'started' || sandbox.state === 'starting';
          return (
            <li key={sandbox.id} data-testid="sandbox" data-state={sandbox.state} className="rounded border border-gray-200 p-1.5 dark:border-gray-800">
              <div className="truncate font-medium" title={title(sandbox.project)}>{title(sandbox.project)}</div>
              <div className="muted text-xs">
                {running ? 'Running' : `Stopped${sandbox.stoppedReason ? ` (${sandbox.stoppedReason.replace(/^it was /, '')})` : ''}`} · created {since(sandbox.createdAt)}
              </div>
              <div className="mt-1 flex gap-2 text-xs">
                {running && (
                  <button type="button" className="underline" disabled={busy === sandbox.id} onClick={() => act(sandbox.id, () => sandboxApi.stop(sandbox.id))}>
                    Stop
                  </button>
                )}
                <button
                  type="button"
                  className="underline"
                  disabled={busy === sandbox.id}
                  onClick={() => window.confirm(`Delete the sandbox of "${title(sandbox.project)}"? Its files stay in the chat; data the app wrote there is lost.`) && act(sandbox.id, () => sandboxApi.delete(sandbox.id))}
                >
                  Delete
                </button>
              </div>
            </li>
          );
        })}
      </ul>
    </section>
  );
}
