import { useStore } from '@nanostores/react';
import { useNavigate } from '@remix-run/react';
import { useEffect, useState } from 'react';
import { errorMessage } from '~/lib/error-message';
import { forkChat } from '~/lib/stores/chats';
import type { Workbench } from '~/lib/stores/workbench';
import { formatBytes } from '~/lib/versions/version-history';
import type { VersionRecord } from '~/lib/versions/version-types';
import { VersionDiff } from './VersionDiff';

const KIND: Record<VersionRecord['kind'], string> = { turn: 'turn', template: 'template', import: 'import', restore: 'restore', fork: 'fork', checkpoint: 'kept' };

/**
 * The chat's timeline: every version with what it changed, whether the app worked, its app data;
 * Restore (itself a version, so it can be undone), Fork, and a diff between any two versions.
 */
export default function VersionsPanel({ workbench }: { workbench: Workbench }) {
  const history = workbench.versions!;
  const checkpoints = workbench.checkpoints!;
  const versions = useStore(history.versions);
  const storage = useStore(history.storage);
  const notice = useStore(history.notice);
  const note = useStore(checkpoints.note);
  const restoring = useStore(checkpoints.restoring);
  const compare = useStore(workbench.compare);
  const locked = useStore(workbench.locked);
  const [confirming, setConfirming] = useState<number | null>(null);
  const [includeLocked, setIncludeLocked] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const navigate = useNavigate();
  const latest = versions.at(-1);
  const newestFirst = [...versions].reverse();

  const restore = (seq: number) => {
    setConfirming(null);
    setError(null);
    workbench.restoreVersion(seq, { includeLocked }).catch((e: unknown) => setError(errorMessage(e)));
  };
  const fork = (seq: number) => {
    setError(null);
    forkChat(workbench.project, seq).then(
      (chat) => navigate(`/chat/${chat.id}`),
      (e: unknown) => setError(errorMessage(e)),
    );
  };

  return (
    <div className="flex h-full min-h-0 flex-col">
      <div className="flex flex-wrap items-center gap-x-3 gap-y-1 border-b border-gray-200 px-3 py-2 text-xs dark:border-gray-800">
        <span aria-label="Version storage" title="What this chat's versions take in this browser: file contents (each kept once) and the app data kept with cloud versions">
          {storage.count} version{storage.count === 1 ? '' : 's'} · files {formatBytes(storage.files)}
          {storage.state > 0 ? ` · app data ${formatBytes(storage.state)} of ${formatBytes(storage.stateBudget)}` : ''}
        </span>
        {latest?.kind === 'restore' && (
          <button type="button" className="btn-ghost px-2 py-0.5" disabled={!!restoring} onClick={() => restore(latest.seq - 1)} title={`Back to v${latest.seq - 1}, as it was before the restore`}>
            Undo restore
          </button>
        )}
        <CompareBar versions={versions} compare={compare} onChange={(c) => workbench.compare.set(c)} />
      </div>
      {restoring && (
        <p role="status" aria-label="Restoring" className="border-b border-gray-200 px-3 py-1.5 text-xs dark:border-gray-800">
          Restoring v{restoring.seq}: {restoring.step}… <Elapsed since={restoring.since} />
        </p>
      )}
      {[notice, note, error].filter(Boolean).map((text) => (
        <p key={text} role="note" className="border-b border-amber-200 bg-amber-50 px-3 py-1.5 text-xs text-amber-900 dark:border-amber-900 dark:bg-amber-950/40 dark:text-amber-100">
          {text}{' '}
          {text === notice && (
            <button type="button" className="underline" onClick={() => history.notice.set(null)}>
              Dismiss
            </button>
          )}
        </p>
      ))}
      {compare && <VersionDiff history={history} from={compare.from} to={compare.to} />}
      <ol aria-label="Versions" className={`${compare ? 'max-h-[40%]' : 'flex-1'} min-h-0 overflow-auto text-sm`}>
        {versions.length === 0 && <li className="muted p-3 text-xs">Each answer, template, import and restore becomes a version here once its actions have run.</li>}
        {newestFirst.map((version) => (
          <li key={version.seq} aria-label={`Version ${version.seq}`} className="border-b border-gray-100 px-3 py-2 dark:border-gray-800">
            <div className="flex items-baseline gap-2">
              <span className="font-mono text-xs font-semibold">v{version.seq}</span>
              <span className="min-w-0 flex-1 truncate" title={version.label}>
                {version.label}
              </span>
              <Health version={version} />
            </div>
            <div className="muted mt-0.5 flex flex-wrap gap-x-2 text-xs">
              <span>{KIND[version.kind]}</span>
              <time dateTime={new Date(version.createdAt).toISOString()}>{new Date(version.createdAt).toLocaleString()}</time>
              <Changes version={version} />
              <State version={version} />
              {version === latest && <span className="font-medium">current</span>}
            </div>
            <div className="mt-1 flex gap-1">
              <button type="button" className="btn-ghost px-2 py-0.5 text-xs" onClick={() => workbench.showChanges(version.seq)}>
                Changes
              </button>
              <button type="button" className="btn-ghost px-2 py-0.5 text-xs" disabled={!!restoring} onClick={() => setConfirming(version.seq)}>
                Restore
              </button>
              <button type="button" className="btn-ghost px-2 py-0.5 text-xs" onClick={() => fork(version.seq)} title="A new chat from this version (this chat stays as it is)">
                Fork from here
              </button>
            </div>
            {confirming === version.seq && (
              <div role="group" aria-label={`Restore v${version.seq}?`} className="mt-2 rounded border border-gray-300 p-2 text-xs dark:border-gray-700">
                <p>
                  Restore v{version.seq}? Its files{version.state?.kind === 'archive' ? ' and app data' : ''} come back and the app restarts. Later versions stay here, and the restore can be undone.
                </p>
                {locked.length > 0 && (
                  <label className="mt-1 flex items-center gap-1">
                    <input type="checkbox" checked={includeLocked} onChange={(e) => setIncludeLocked(e.target.checked)} />
                    Also restore the {locked.length} locked file{locked.length === 1 ? '' : 's'}
                  </label>
                )}
                <div className="mt-1 flex gap-1">
                  <button type="button" className="btn-primary px-2 py-0.5 text-xs" onClick={() => restore(version.seq)}>
                    Restore v{version.seq}
                  </button>
                  <button type="button" className="btn-ghost px-2 py-0.5 text-xs" onClick={() => setConfirming(null)}>
                    Cancel
                  </button>
                </div>
              </div>
            )}
          </li>
        ))}
      </ol>
    </div>
  );
}

function CompareBar({ versions, compare, onChange }: { versions: VersionRecord[]; compare: { from: number; to: number } | null; onChange: (compare: { from: number; to: number } | null) => void }) {
  if (versions.length < 2) return null;
  const from = compare?.from ?? versions.at(-2)!.seq;
  const to = compare?.to ?? versions.at(-1)!.seq;
  const select = (value: number, set: (seq: number) => void, label: string) => (
    <select aria-label={label} className="rounded border border-gray-300 bg-transparent px-1 dark:border-gray-700" value={value} onChange={(e) => set(Number(e.target.value))}>
      {versions.map((v) => (
        <option key={v.seq} value={v.seq}>
          v{v.seq}
        </option>
      ))}
    </select>
  );
  return (
    <span className="ml-auto flex items-center gap-1">
      Compare {select(from, (seq) => onChange({ from: seq, to }), 'Compare from')} with {select(to, (seq) => onChange({ from, to: seq }), 'Compare to')}
      {compare ? (
        <button type="button" className="btn-ghost px-2 py-0.5" onClick={() => onChange(null)}>
          Close diff
        </button>
      ) : (
        <button type="button" className="btn-ghost px-2 py-0.5" onClick={() => onChange({ from, to })}>
          Show diff
        </button>
      )}
    </span>
  );
}

function Health({ version }: { version: VersionRecord }) {
  const { health } = version;
  if (health.state === 'ok') return <span className="shrink-0 text-xs text-green-700 dark:text-green-400" title="The app ran without problems after this version">✓ working</span>;
  if (health.state === 'failed') return <span className="max-w-[45%] shrink-0 truncate text-xs text-red-700 dark:text-red-400" title={health.problem}>✕ failed: {health.problem}</span>;
  return <span className="muted shrink-0 text-xs" title="The app was not seen running long enough after this version to tell">? not checked</span>;
}

function Changes({ version }: { version: VersionRecord }) {
  const added = version.changes.reduce((n, c) => n + c.added, 0);
  const removed = version.changes.reduce((n, c) => n + c.removed, 0);
  const count = version.changes.length;
  return (
    <span aria-label="Changes">
      {count} file{count === 1 ? '' : 's'} <span className="text-green-700 dark:text-green-400">+{added}</span> <span className="text-red-700 dark:text-red-400">−{removed}</span>
    </span>
  );
}

function State({ version }: { version: VersionRecord }) {
  const { state } = version;
  if (!state) return null;
  if (state.kind === 'archive' && state.files === 0) return <span title="The app had written no files of its own in its sandbox">no app data</span>;
  if (state.kind === 'archive') return <span title="The files the app wrote in its sandbox (databases, uploads), restored with this version">app data {formatBytes(state.bytes)} ({state.files} file{state.files === 1 ? '' : 's'})</span>;
  if (state.kind === 'pruned') return <span title="Dropped to keep this chat's app data under its cap; the files are kept">app data pruned</span>;
  return <span title={state.reason}>app data not kept: {state.reason}</span>;
}

function Elapsed({ since }: { since: number }) {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), 250);
    return () => clearInterval(timer);
  }, []);
  return <span className="muted">{((now - since) / 1000).toFixed(1)} s</span>;
}

