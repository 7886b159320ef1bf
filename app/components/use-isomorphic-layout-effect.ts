import { useEffect, useLayoutEffect } from 'react';

/**
 * A layout effect in the browser (before the first paint after hydration), a plain effect on the
 * server, where layout effects do not run. For adopting what was typed before the page was interactive.
 */
export const useIsomorphicLayoutEffect = typeof window === 'undefined' ? useEffect : useLayoutEffect;
