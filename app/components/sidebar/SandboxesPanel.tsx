import { lazy, Suspense, useState } from 'react';

// The list, and the sandbox API's client with the schemas it checks answers with, load when the panel is first opened.
const SandboxList = lazy(() => import('./SandboxList').then((module) => ({ default: module.SandboxList })));

/** This person's cloud sandboxes, in a panel of the sidebar that lists them when opened. */
export function SandboxesPanel() {
  const [open, setOpen] = useState(false);
  return (
    <details className="text-sm" onToggle={(event) => setOpen((event.target as HTMLDetailsElement).open)}>
      <summary className="muted cursor-pointer select-none">Sandboxes</summary>
      {open && (
        <Suspense fallback={<p className="muted mt-1">Loading…</p>}>
          <SandboxList />
        </Suspense>
      )}
    </details>
  );
}
