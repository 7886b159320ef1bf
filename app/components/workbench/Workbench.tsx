import { useStore } from '@nanostores/react';
import { lazy, Suspense, useEffect, useState } from 'react';
import { useNavigate } from '@remix-run/react';
import { useProjectImport } from '~/components/projects/ImportProject';
import { getChat } from '~/lib/persistence/chat-db';
import { createChatFromImport } from '~/lib/stores/chats';
import type { Workbench as WorkbenchModel } from '~/lib/stores/workbench';
import { FileTree } from './FileTree';
import { PreviewPane } from './PreviewPane';
import { RuntimeActions, RuntimeStatus } from './RuntimeStatus';
import { loadEditorTheme } from './editor-theme';
import { Split } from './Split';
import { TerminalView } from './TerminalView';
import type { PublishOptions } from '~/lib/publish/publisher';

// The editor loads when the workbench opens (with its dark theme, where the page is dark), the
// Versions view when it is first shown (the terminal panel loads xterm.js itself, when the first
// command runs or it is clicked).
const CodeEditor = lazy(() => Promise.all([import('./CodeEditor'), loadEditorTheme()]).then(([module]) => module));
const VersionsPanel = lazy(() => import('./VersionsPanel'));
// Share and Publish load when first opened.
const SharePanel = lazy(() => import('./SharePanel').then((module) => ({ default: module.SharePanel })));
const PublishDialog = lazy(() => import('./PublishDialog').then((module) => ({ default: module.PublishDialog })));

const TABS = { code: 'Code', preview: 'Preview', versions: 'Versions' } as const;

const loading = <div className="muted p-3 text-xs">Loading…</div>;

export function Workbench({ workbench, publish, title }: { workbench: WorkbenchModel; publish?: PublishOptions; title?: string }) {
  const [publishing, setPublishing] = useState(false);
  const tab = useStore(workbench.panel);
  const setTab = (name: keyof typeof TABS) => workbench.panel.set(name);
  const [sharing, setSharing] = useState(false);
  const previews = useStore(workbench.runtime.previews);
  const hasPreview = previews.length > 0;
  // The preview comes to the front when the app comes up.
  useEffect(() => {
    if (hasPreview) workbench.panel.set('preview');
  }, [hasPreview, workbench]);
  // A zip or a folder dropped here opens as a new chat (this one stays as it is).
  const navigate = useNavigate();
  const drop = useProjectImport(async (name, project) => {
    const current = await getChat(workbench.project);
    navigate(`/chat/${(await createChatFromImport(name, project, current?.chat.model ?? '')).id}`);
  });
  return (
    <section
      aria-label="Workbench"
      className="relative flex h-full flex-col border-l border-gray-200 dark:border-gray-800"
      // Caught on the way down, so that the editor does not paste a dropped file's bytes.
      onDragOverCapture={drop.dropProps.onDragOver}
      onDragLeave={drop.dropProps.onDragLeave}
      onDropCapture={(event) => {
        if (!event.dataTransfer.types.includes('Files')) return;
        event.stopPropagation();
        drop.dropProps.onDrop(event);
      }}
    >
      {drop.over && (
        <div className="pointer-events-none absolute inset-0 z-20 flex items-center justify-center bg-blue-50/80 text-sm font-medium outline-2 outline-dashed outline-blue-400 dark:bg-blue-950/60">
          Drop a zip or a folder to import it into a new chat
        </div>
      )}
      {drop.error && (
        <p role="alert" className="absolute right-3 top-12 z-20 max-w-md rounded-md border border-red-300 bg-red-50 p-2 text-sm text-red-800 dark:border-red-800 dark:bg-red-950 dark:text-red-200">
          {drop.error}{' '}
          <button type="button" className="underline" onClick={() => drop.setError(null)}>
            Dismiss
          </button>
        </p>
      )}
      <header className="flex items-center gap-3 border-b border-gray-200 px-3 py-2 dark:border-gray-800">
        <div role="tablist" aria-label="Workbench view" className="flex gap-1">
          {(Object.keys(TABS) as Array<keyof typeof TABS>).filter((name) => name !== 'versions' || workbench.versions).map((name) => (
            <button key={name} role="tab" type="button" aria-selected={tab === name} className={`btn px-2 py-0.5 ${tab === name ? 'bg-gray-200 dark:bg-gray-800' : ''}`} onClick={() => setTab(name)}>
              {TABS[name]}
            </button>
          ))}
        </div>
        <RuntimeStatus workbench={workbench} />
        <RuntimeActions workbench={workbench} />
        <button type="button" className="btn-ghost px-2 py-0.5" title="The project's files as a zip" onClick={() => void downloadZip(workbench)}>
          Download zip
        </button>
        <button type="button" className="btn-ghost px-2 py-0.5" aria-expanded={sharing} onClick={() => setSharing((s) => !s)}>
          Share
        </button>
        {publish && (
          <button type="button" className="btn-ghost px-2 py-0.5" aria-expanded={publishing} onClick={() => setPublishing((s) => !s)}>
            Publish
          </button>
        )}
      </header>
      {sharing && (
        <Suspense fallback={loading}>
          <SharePanel workbench={workbench} onClose={() => setSharing(false)} />
        </Suspense>
      )}
      {publishing && publish && (
        <Suspense fallback={loading}>
          <PublishDialog workbench={workbench} options={publish} title={title ?? workbench.project} onClose={() => setPublishing(false)} />
        </Suspense>
      )}
      <Split
        direction="column"
        label="Resize the terminal"
        className="min-h-0 flex-1"
        separatorClassName="h-1 bg-gray-200 hover:bg-blue-400 dark:bg-gray-800"
        defaultSize={72}
        unit="%"
        minFirst={20}
        minSecond={8}
        collapsible
        first={
          <>
            <div className={tab === 'code' ? 'h-full' : 'hidden'}>
              <Split
                direction="row"
                label="Resize the file tree"
                className="h-full"
                separatorClassName="w-1 bg-gray-200 hover:bg-blue-400 dark:bg-gray-800"
                defaultSize={220}
                unit="px"
                minFirst={120}
                minSecond={20}
                first={<FileTree workbench={workbench} />}
                second={
                  <Suspense fallback={loading}>
                    <CodeEditor workbench={workbench} />
                  </Suspense>
                }
              />
            </div>
            <div className={tab === 'preview' ? 'h-full' : 'hidden'}>
              <PreviewPane workbench={workbench} />
            </div>
            {tab === 'versions' && (
              <Suspense fallback={loading}>
                <VersionsPanel workbench={workbench} />
              </Suspense>
            )}
          </>
        }
        second={<TerminalView workbench={workbench} />}
      />
    </section>
  );
}

/** Saves the project's files as <project>.zip (zipped here, in the browser). */
async function downloadZip(workbench: WorkbenchModel) {
  const { zipProject } = await import('~/lib/projects/archive');
  const url = URL.createObjectURL(await zipProject(workbench.files.snapshot()));
  const link = document.createElement('a');
  link.href = url;
  link.download = `${workbench.project}.zip`;
  link.click();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
