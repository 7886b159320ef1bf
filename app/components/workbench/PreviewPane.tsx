import { useStore } from '@nanostores/react';
import { atom } from 'nanostores';
import { useEffect, useRef, useState } from 'react';
import { problemFromPreview } from '~/lib/problems/preview-problem';
import { pickerClosedByPreview, pickerToggle, pickFromPreview } from '~/lib/preview/element-picker';
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
  // Elements picked in Select mode, and the page saying Escape ended it: checked the same way.
  const selecting = useStore(workbench.picks.selecting);
  useEffect(() => {
    if (!previewOrigin) return;
    const onMessage = (event: MessageEvent) => {
      const from = { origin: previewOrigin, window: frame.current?.contentWindow };
      const problem = problemFromPreview(event, from);
      if (problem) workbench.problems.report(problem);
      const pick = pickFromPreview(event, from);
      if (pick) workbench.picks.add(pick, workbench.files.files.get());
      if (pickerClosedByPreview(event, from)) workbench.picks.selecting.set(false);
    };
    window.addEventListener('message', onMessage);
    return () => window.removeEventListener('message', onMessage);
  }, [previewOrigin, workbench]);

  // Select mode is the page's to carry out: tell it (again after each load of the page), only at the preview's origin.
  const tellPicker = (on: boolean) => {
    if (previewOrigin) frame.current?.contentWindow?.postMessage(pickerToggle(on), previewOrigin);
  };
  useEffect(() => {
    tellPicker(selecting);
    if (!selecting) return;
    // Escape with the focus outside the page ends it too.
    const onKey = (event: KeyboardEvent) => {
      if (event.key === 'Escape') workbench.picks.selecting.set(false);
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
    // tellPicker reads the frame and origin of this render.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [selecting, previewOrigin]);
  const placeholder = state.state === 'unavailable' ? state.message : 'The preview appears here once the app\u2019s server is running.';
  return (
    <div className="flex h-full flex-col">
      <div className="flex items-center gap-2 border-b border-gray-200 px-2 py-1 dark:border-gray-800">
        <button type="button" className="btn-ghost px-2 py-0.5" aria-label="Reload preview" disabled={!preview} onClick={() => setNonce((n) => n + 1)}>
          ⟳
        </button>
        <input aria-label="Preview path" className="min-w-0 flex-1 rounded border border-gray-300 bg-transparent px-2 py-0.5 text-xs dark:border-gray-700" value={path} onChange={(e) => setPath(e.target.value)} disabled={!preview} />
        <button
          type="button"
          className={`btn-ghost px-2 py-0.5 text-xs ${selecting ? 'bg-blue-100 dark:bg-blue-900' : ''}`}
          aria-pressed={selecting}
          disabled={!preview}
          title="Select: click an element in the preview to ask about it (Escape to stop)"
          onClick={() => workbench.picks.selecting.set(!selecting)}
        >
          Select
        </button>
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
        onLoad={() => {
          workbench.problems.pageLoaded();
          if (workbench.picks.selecting.get()) tellPicker(true);
        }}
        sandbox="allow-scripts allow-forms allow-same-origin allow-popups allow-modals"
      />
    </div>
  );
}

function placeholderPage(message: string) {
  const escaped = message.replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);
  return `<!doctype html><meta name="color-scheme" content="light dark"><body style="font:14px system-ui;display:grid;place-items:center;height:90vh;margin:0;color:#6b7280;text-align:center;padding:0 2em"><p>${escaped}</p></body>`;
}
