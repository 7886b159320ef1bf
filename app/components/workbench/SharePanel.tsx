import { useStore } from '@nanostores/react';
import { atom } from 'nanostores';
import { useCallback, useEffect, useState } from 'react';
import { errorMessage } from '~/lib/error-message';
import type { ShareTarget } from '~/lib/runtime/runtime';
import type { ShareView } from '~/lib/sandbox/sandbox-api';
import { sandboxApi } from '~/lib/sandbox/sandbox-client';
import type { Workbench } from '~/lib/stores/workbench';

const EXPIRIES = [
  { hours: 1, label: '1 hour' },
  { hours: 24, label: '24 hours' },
  { hours: 24 * 7, label: '7 days' },
];

const NOT_SHAREABLE = atom<ShareTarget | null>(null);

/** Share the running preview: a link with an expiry, copied from the "Share link" box; active links with Revoke. */
export function SharePanel({ workbench, onClose }: { workbench: Workbench; onClose: () => void }) {
  const routing = useStore(workbench.runtime.routing);
  const runtime = useStore(workbench.runtime.current);
  const sandbox = useStore(runtime?.capabilities.share ?? NOT_SHAREABLE);
  const [hours, setHours] = useState(24);
  const [link, setLink] = useState<string | null>(null);
  const [shares, setShares] = useState<ShareView[]>([]);
  const [error, setError] = useState<string | null>(null);
  const [copied, setCopied] = useState(false);
  const sandboxId = sandbox?.id ?? null;

  const refresh = useCallback(async () => {
    if (!sandboxId) return;
    try {
      setShares(await sandboxApi.shares(sandboxId));
    } catch (e) {
      setError(errorMessage(e));
    }
  }, [sandboxId]);
  useEffect(() => void refresh(), [refresh]);

  const create = async () => {
    if (!sandboxId) return;
    setError(null);
    try {
      const created = await sandboxApi.share(sandboxId, hours);
      setLink(created.url);
      setCopied(false);
      await refresh();
    } catch (e) {
      setError(errorMessage(e));
    }
  };

  const revoke = async (id: string) => {
    if (!sandboxId) return;
    try {
      await sandboxApi.revokeShare(sandboxId, id);
      setLink(null);
      await refresh();
    } catch (e) {
      setError(errorMessage(e));
    }
  };

  return (
    <div role="dialog" aria-label="Share" className="panel absolute right-2 top-10 z-20 w-96 rounded-lg border border-gray-200 p-4 text-sm shadow-xl dark:border-gray-700">
      <div className="flex items-center justify-between">
        <h2 className="font-semibold">Share the running app</h2>
        <button type="button" aria-label="Close" className="muted" onClick={onClose}>
          ✕
        </button>
      </div>
      {routing.target === 'browser' ? (
        <div className="mt-2">
          <p className="muted">This preview runs inside your browser tab, so nobody else can open it. Move the project to a cloud sandbox to share it with a link.</p>
          <button type="button" className="btn-primary mt-3" onClick={() => workbench.runtime.choose('cloud')}>
            Run in cloud sandbox
          </button>
        </div>
      ) : !sandboxId ? (
        <p className="muted mt-2">The cloud sandbox is starting; sharing is possible once it runs.</p>
      ) : (
        <div className="mt-3 space-y-3">
          <div className="flex items-center gap-2">
            <label className="muted text-xs" htmlFor="share-expiry">
              Expires in
            </label>
            <select id="share-expiry" className="rounded border border-gray-300 bg-transparent px-1 py-0.5 dark:border-gray-600" value={hours} onChange={(e) => setHours(Number(e.target.value))}>
              {EXPIRIES.map((e) => (
                <option key={e.hours} value={e.hours}>
                  {e.label}
                </option>
              ))}
            </select>
            <button type="button" className="btn-primary ml-auto" onClick={() => void create()}>
              Create link
            </button>
          </div>
          {link && (
            <div className="flex gap-2">
              <input aria-label="Share link" readOnly value={link} className="min-w-0 flex-1 rounded border border-gray-300 bg-transparent px-2 py-1 text-xs dark:border-gray-600" onFocus={(e) => e.target.select()} />
              <button
                type="button"
                className="btn-ghost"
                onClick={() => void navigator.clipboard?.writeText(link).then(() => setCopied(true), () => setCopied(false))}
              >
                {copied ? 'Copied' : 'Copy'}
              </button>
            </div>
          )}
          {shares.length > 0 && (
            <ul aria-label="Active links" className="space-y-1">
              {shares.map((share) => (
                <li key={share.id} className="flex items-center gap-2 text-xs">
                  <span className="min-w-0 flex-1 truncate">Link {share.id.slice(0, 8)} · expires {new Date(share.expiresAt).toLocaleString()}</span>
                  <button type="button" className="btn-ghost px-2 py-0.5" aria-label={`Revoke link ${share.id.slice(0, 8)}`} onClick={() => void revoke(share.id)}>
                    Revoke
                  </button>
                </li>
              ))}
            </ul>
          )}
        </div>
      )}
      {error && (
        <p role="alert" className="mt-2 text-xs text-red-600">
          {error}
        </p>
      )}
    </div>
  );
}
