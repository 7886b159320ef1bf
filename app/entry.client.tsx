import { RemixBrowser } from '@remix-run/react';
import { StrictMode, useLayoutEffect } from 'react';
import { hydrateRoot } from 'react-dom/client';

// React 18 bug: a keystroke or click that reaches React while the document is still hydrating makes
// it hydrate synchronously, which fails with "Root did not complete" and replaces the whole
// document, wiping what the person typed. Until hydration commits, such events are kept from
// React (their default actions, like typing into the box, still happen); the prompt box then
// adopts what was typed.
const HELD_EVENTS = ['keydown', 'keypress', 'keyup', 'beforeinput', 'input', 'change', 'compositionstart', 'compositionupdate', 'compositionend', 'paste', 'cut', 'copy', 'pointerdown', 'pointerup', 'mousedown', 'mouseup', 'click', 'auxclick', 'dblclick', 'contextmenu', 'touchstart', 'touchend', 'focusin', 'focusout', 'submit', 'select', 'dragstart', 'drop'];
const holdFromReact = (event: Event) => event.stopPropagation();
for (const type of HELD_EVENTS) window.addEventListener(type, holdFromReact, true);

function Hydrated({ children }: { children: React.ReactNode }) {
  useLayoutEffect(() => {
    for (const type of HELD_EVENTS) window.removeEventListener(type, holdFromReact, true);
  }, []);
  return children;
}

hydrateRoot(
  document,
  <StrictMode>
    <Hydrated>
      <RemixBrowser />
    </Hydrated>
  </StrictMode>,
);
