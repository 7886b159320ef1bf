import { useStore } from '@nanostores/react';
import { useEffect, useRef, useState } from 'react';
import { errorMessage } from '~/lib/error-message';
import type { PublishTarget, PublishTargetsView, StaticHost } from '~/lib/publish/publish-api';
import { SITE_NAME } from '~/lib/publish/publish-api';
import { publishApi } from '~/lib/publish/publish-client';
import { Publisher, type PublishOptions } from '~/lib/publish/publisher';
import type { Workbench } from '~/lib/stores/workbench';

const LABEL: Record<PublishTarget, string> = { netlify: 'Netlify', vercel: 'Vercel', sandbox: 'AppForge sandbox' };

/** A site name from the chat's title: lowercase letters, digits and dashes. */
function slug(title: string) {
  return (
    title
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-+|-+$/g, '')
      .slice(0, 40)
      .replace(/-+$/, '') || 'my-app'
  );
}

/** Each open chat's Publisher, made when its Publish is first opened; it keeps publishing (and its log) while the dialog is closed. */
const publishers = new WeakMap<Workbench, Publisher>();

function publisherFor(workbench: Workbench, options: PublishOptions): Publisher {
  let publisher = publishers.get(workbench);
  if (!publisher) publishers.set(workbench, (publisher = new Publisher(workbench, options)));
  return publisher;
}

/** Publish: where (the router's suggestion and why), the site name, a token when the server has none, progress, the live URL. */
export function PublishDialog({ workbench, options, title, onClose }: { workbench: Workbench; options: PublishOptions; title: string; onClose: () => void }) {
  const publisher = publisherFor(workbench, options);
  const plan = publisher.plan();
  const record = useStore(publisher.record);
  const phase = useStore(publisher.phase);
  const log = useStore(publisher.log);
  const error = useStore(publisher.error);
  const tokenRefused = useStore(publisher.tokenRefused);
  const [changingToken, setChangingToken] = useState(false);
  const [targets, setTargets] = useState<PublishTargetsView | null>(null);
  const [target, setTarget] = useState<PublishTarget>(record?.target ?? (plan.target === 'sandbox' ? 'sandbox' : 'netlify'));
  const [siteName, setSiteName] = useState(record?.siteName ?? slug(title));
  const [token, setToken] = useState('');
  const [tokenError, setTokenError] = useState<string | null>(null);
  const busy = phase === 'building' || phase === 'collecting' || phase === 'publishing';
  // The log follows its end, as a terminal does.
  const logView = useRef<HTMLPreElement>(null);
  useEffect(() => {
    if (logView.current) logView.current.scrollTop = logView.current.scrollHeight;
  }, [log]);
  useEffect(() => {
    void publishApi.targets().then(setTargets, (e: unknown) => setTokenError(errorMessage(e)));
  }, []);
  const host = target === 'sandbox' ? null : (target as StaticHost);
  const tokenSource = host ? targets?.hosts[host].token : undefined;
  const needsToken = host !== null && targets !== null && (tokenSource === null || tokenSource === 'expired' || tokenRefused || changingToken);
  const suggested = plan.target === 'sandbox' ? 'an AppForge sandbox' : 'a static host (Netlify or Vercel)';
  const nameOk = SITE_NAME.test(siteName);

  const saveToken = async () => {
    setTokenError(null);
    try {
      await publishApi.pasteToken(host!, token);
      setToken('');
      setChangingToken(false);
      publisher.tokenRefused.set(false);
      setTargets(await publishApi.targets());
    } catch (e) {
      setTokenError(errorMessage(e));
    }
  };
  const publish = () => (host ? publisher.publishStatic(host, siteName) : publisher.publishSandbox());

  return (
    <section role="dialog" aria-label="Publish" className="absolute right-3 top-12 z-30 w-[28rem] max-w-[90vw] rounded-lg border border-gray-300 bg-white p-3 text-sm shadow-lg dark:border-gray-700 dark:bg-gray-900">
      <header className="mb-2 flex items-center justify-between">
        <h2 className="font-semibold">Publish</h2>
        <button type="button" className="btn-ghost px-2 py-0.5" onClick={onClose}>
          Close
        </button>
      </header>
      <p className="muted mb-2 text-xs">
        Suggested: {suggested}, because {plan.reason}.
      </p>
      <fieldset className="mb-2 flex gap-3" disabled={busy}>
        <legend className="sr-only">Where</legend>
        {(['netlify', 'vercel', 'sandbox'] as const).map((name) => (
          <label key={name} className="flex items-center gap-1">
            <input type="radio" name="publish-target" checked={target === name} disabled={name === 'sandbox' && targets?.sandbox.allowed === false} onChange={() => setTarget(name)} />
            {LABEL[name]}
          </label>
        ))}
      </fieldset>
      {target === 'sandbox' ? (
        <p className="mb-2 text-xs" aria-label="What it costs">
          {targets?.sandbox.note ?? '…'}
        </p>
      ) : (
        <label className="mb-2 flex items-center gap-2">
          Site name
          <input className="flex-1 rounded border border-gray-300 bg-transparent px-2 py-0.5 dark:border-gray-700" value={siteName} disabled={busy} onChange={(e) => setSiteName(e.target.value.trim())} aria-invalid={!nameOk} />
        </label>
      )}
      {host && targets && !needsToken && (
        <p className="muted mb-2 text-xs">
          {tokenSource === 'server' ? `Using this server's ${LABEL[host]} token.` : `Using the ${LABEL[host]} token you pasted (kept on the server for this session).`}{' '}
          <button type="button" className="underline" onClick={() => setChangingToken(true)}>
            Change token
          </button>
        </p>
      )}
      {needsToken && (
        <div className="mb-2">
          <label className="flex items-center gap-2">
            {LABEL[host!]} token
            <input type="password" autoComplete="off" className="flex-1 rounded border border-gray-300 bg-transparent px-2 py-0.5 dark:border-gray-700" value={token} onChange={(e) => setToken(e.target.value)} />
            <button type="button" className="btn-ghost px-2 py-0.5" disabled={!token.trim()} onClick={() => void saveToken()}>
              Save token
            </button>
          </label>
          <p className="muted mt-1 text-xs">{tokenRefused ? `${LABEL[host!]} refused the token: paste another.` : tokenSource === 'expired' ? 'The token you pasted has expired on the server: paste it again.' : 'Kept on the server for this session only; never in the browser or a sandbox.'}</p>
        </div>
      )}
      {tokenError && (
        <p role="alert" className="mb-2 text-xs text-red-700 dark:text-red-300">
          {tokenError}
        </p>
      )}
      <div className="flex gap-2">
        <button type="button" className="btn-primary" disabled={busy || needsToken || (host !== null && !nameOk)} onClick={() => void publish()}>
          {busy ? 'Publishing…' : record && record.target === target ? 'Publish again' : 'Publish'}
        </button>
        {record?.target === 'sandbox' && target === 'sandbox' && (
          <button type="button" className="btn-ghost" disabled={busy} onClick={() => void publisher.unpublish()}>
            Unpublish
          </button>
        )}
      </div>
      {log && (
        <pre ref={logView} aria-label="Publish progress" className="mt-2 max-h-48 overflow-auto whitespace-pre-wrap rounded bg-black/5 p-2 text-[11px] dark:bg-white/5">
          {log}
        </pre>
      )}
      {error && (
        <p role="alert" className="mt-2 text-xs text-red-700 dark:text-red-300">
          {error}
        </p>
      )}
      {record?.url && !busy && (
        <p className="mt-2 text-xs">
          Live at{' '}
          <a aria-label="Published URL" className="underline" href={record.url} target="_blank" rel="noreferrer">
            {record.url}
          </a>{' '}
          ({LABEL[record.target]}, {new Date(record.at).toLocaleString()})
        </p>
      )}
    </section>
  );
}
