import { RemixBrowser } from '@remix-run/react';
import { StrictMode, useLayoutEffect } from 'react';
import { hydrateRoot } from 'react-dom/client';

// React 18 bug: a keystroke or click that reaches React while the document is still hydrating makes
// it hydrate synchronously, which fails with "Root did not complete" and replaces the whole
// document, wiping what the person typed. Until hydration commits, such events are kept from
// React (their default actions, like typing into the box, still happen); the prompt box then
// adopts what was typed.
// React 18's discrete events (getEventPriority in react-dom): each can force a synchronous hydration.
const HELD_EVENTS = ['auxclick', 'beforeinput', 'blur', 'cancel', 'change', 'click', 'close', 'compositionend', 'compositionstart', 'compositionupdate', 'contextmenu', 'copy', 'cut', 'dblclick', 'dragend', 'dragstart', 'drop', 'focus', 'focusin', 'focusout', 'input', 'invalid', 'keydown', 'keypress', 'keyup', 'mousedown', 'mouseup', 'paste', 'pointercancel', 'pointerdown', 'pointerup', 'reset', 'resize', 'selectionchange', 'submit', 'textInput', 'touchcancel', 'touchend', 'touchstart'];
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
