import { useStore } from '@nanostores/react';
import { atom } from 'nanostores';
import { useEffect, useRef, useState } from 'react';
import { problemFromPreview } from '~/lib/problems/preview-reporter';
import type { Workbench } from '~/lib/stores/workbench';
import { LaunchStepper, LaunchSummary } from './LaunchStepper';

const NOTHING = atom<string | null>(null);

/** The running app in an iframe named "Preview", with a URL bar and reload; the sandbox's progress until it is up. */
export function PreviewPane({ workbench }: { workbench: Workbench }) {
  const previews = useStore(workbench.runtime.previews);
  const state = useStore(workbench.runtime.state);
  const current = useStore(workbench.runtime.current);
  const progress = current?.capabilities.progress;
  const restarted = useStore(current?.capabilities.restarted ?? NOTHING);
  const preview = previews[previews.length - 1];
  const [path, setPath] = useState('/');
  const [nonce, setNonce] = useState(0);
  const reloads = useStore(workbench.previewReloads);
  const served = useStore(workbench.runtime.previewServed);
  const frame = useRef<HTMLIFrameElement>(null);
  const src = preview ? new URL(path || '/', preview.url).href : undefined;

  // What goes wrong in the page, as its reporter tells it (only from this frame, at the preview's origin).
  const previewOrigin = preview ? new URL(preview.url).origin : null;
  useEffect(() => {
    if (!previewOrigin) return;
    const onMessage = (event: MessageEvent) => {
      const problem = problemFromPreview(event, { origin: previewOrigin, window: frame.current?.contentWindow });
      if (problem) workbench.problems.report(problem);
    };
    window.addEventListener('message', onMessage);
    return () => window.removeEventListener('message', onMessage);
  }, [previewOrigin, workbench]);
  const placeholder = state.state === 'unavailable' ? state.message : 'The preview appears here once the app\u2019s server is running.';
  return (
    <div className="flex h-full flex-col">
      <div className="flex items-center gap-2 border-b border-gray-200 px-2 py-1 dark:border-gray-800">
        <button type="button" className="btn-ghost px-2 py-0.5" aria-label="Reload preview" disabled={!preview} onClick={() => setNonce((n) => n + 1)}>
          ⟳
        </button>
        <input aria-label="Preview path" className="min-w-0 flex-1 rounded border border-gray-300 bg-transparent px-2 py-0.5 text-xs dark:border-gray-700" value={path} onChange={(e) => setPath(e.target.value)} disabled={!preview} />
        {src && (
          <a className="text-xs underline" href={src} target="_blank" rel="noreferrer">
            Open in new tab
          </a>
        )}
      </div>
      {restarted && (
        <p role="note" className="muted border-b border-gray-200 px-2 py-1 text-xs dark:border-gray-800">
          This chat's sandbox was started again: {restarted}.
        </p>
      )}
      {progress && (preview ? <LaunchSummary workbench={workbench} progress={progress} /> : <LaunchStepper workbench={workbench} progress={progress} />)}
      <iframe
        ref={frame}
        key={`${src ?? 'empty'}#${nonce}#${reloads}#${served}`}
        title="Preview"
        {...(src ? { src } : { srcDoc: placeholderPage(placeholder) })}
        className={`min-h-0 w-full flex-1 border-0 bg-white ${!preview && progress ? 'hidden' : ''}`}
        // Each load of the page may report a bounded number of problems (see ProblemsStore).
        onLoad={() => workbench.problems.pageLoaded()}
        sandbox="allow-scripts allow-forms allow-same-origin allow-popups allow-modals"
      />
    </div>
  );
}

function placeholderPage(message: string) {
  const escaped = message.replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);
  return `<!doctype html><meta name="color-scheme" content="light dark"><body style="font:14px system-ui;display:grid;place-items:center;height:90vh;margin:0;color:#6b7280;text-align:center;padding:0 2em"><p>${escaped}</p></body>`;
}
