import { useStore } from '@nanostores/react';
import type { ActionRecord, ActionStatus } from '~/lib/runtime/action-runner';
import type { Workbench } from '~/lib/stores/workbench';

const LABELS: Record<ActionStatus['state'], string> = {
  pending: 'queued',
  running: 'running',
  complete: 'done',
  aborted: 'stopped',
  failed: 'failed',
};

const ICONS: Record<ActionStatus['state'], string> = { pending: '○', running: '◐', complete: '✓', aborted: '■', failed: '✕' };

/** An artifact in the chat: its title and one row per action with its state, time and error. */
export function ArtifactCard({ workbench, artifactKey }: { workbench: Workbench; artifactKey: string }) {
  const artifact = useStore(workbench.runner.artifacts, { keys: [artifactKey] })[artifactKey];
  const actions = useStore(workbench.runner.actions);
  if (!artifact) return null;
  return (
    <section aria-label={`Artifact ${artifact.title}`} className="my-2 rounded-lg border border-gray-300 dark:border-gray-700">
      <header className="border-b border-gray-200 px-3 py-2 text-sm font-semibold dark:border-gray-700">{artifact.title}</header>
      <ul className="divide-y divide-gray-100 text-sm dark:divide-gray-800">
        {artifact.actionKeys.map((key) => actions[key] && <ActionRow key={key} action={actions[key]} />)}
      </ul>
      {workbench.versions && <TurnVersion workbench={workbench} messageId={artifact.messageId} />}
    </section>
  );
}

/** The version this answer made, with a link to what it changed (the Versions view's diff). */
function TurnVersion({ workbench, messageId }: { workbench: Workbench; messageId: string }) {
  const versions = useStore(workbench.versions!.versions);
  const version = versions.findLast((v) => v.messageId === messageId);
  if (!version) return null;
  const added = version.changes.reduce((n, c) => n + c.added, 0);
  const removed = version.changes.reduce((n, c) => n + c.removed, 0);
  return (
    <footer className="flex items-center gap-2 border-t border-gray-200 px-3 py-1.5 text-xs dark:border-gray-700">
      <span className="muted">
        v{version.seq} · {version.changes.length} file{version.changes.length === 1 ? '' : 's'} +{added} −{removed}
      </span>
      <button type="button" className="btn-ghost ml-auto px-2 py-0.5 text-xs" onClick={() => workbench.showChanges(version.seq)}>
        Show changes
      </button>
    </footer>
  );
}

function ActionRow({ action }: { action: ActionRecord }) {
  const { status } = action;
  const what = action.type === 'file' ? action.filePath : (action.command ?? (action.type === 'start' ? 'starting…' : 'command…'));
  const verb = action.type === 'file' ? 'Write' : action.type === 'start' ? 'Start' : action.type === 'shell' ? 'Run' : 'Action';
  const seconds = action.startedAt && action.endedAt ? ((action.endedAt - action.startedAt) / 1000).toFixed(1) : undefined;
  const color = status.state === 'failed' ? 'text-red-600 dark:text-red-400' : status.state === 'complete' ? 'text-green-600 dark:text-green-400' : 'muted';
  return (
    <li data-testid="action" data-state={status.state} className="px-3 py-1.5">
      <div className="flex items-center gap-2">
        <span aria-hidden className={color}>
          {ICONS[status.state]}
        </span>
        <span className="muted w-10 shrink-0 text-xs">{verb}</span>
        <code className="min-w-0 flex-1 truncate" title={what}>
          {what}
        </code>
        <span className={`shrink-0 text-xs ${color}`}>
          {LABELS[status.state]}
          {seconds && status.state !== 'running' ? ` · ${seconds}s` : ''}
        </span>
      </div>
      {status.state === 'failed' && (
        <p role="note" className="mt-1 text-xs text-red-600 dark:text-red-400">
          {status.error}
        </p>
      )}
    </li>
  );
}
