/**
 * Long work in the browser's main thread, in slices: `await pace()` between steps gives the event
 * loop a turn once `sliceMs` have passed since the last one, so the tab keeps answering.
 */
export function pacer(sliceMs = 8): () => Promise<void> {
  let sliceStart = performance.now();
  return async () => {
    if (performance.now() - sliceStart < sliceMs) return;
    await yieldToEventLoop();
    sliceStart = performance.now();
  };
}

type SchedulerWithYield = { yield?: () => Promise<void> };

function yieldToEventLoop(): Promise<void> {
  // scheduler.yield (Chromium 129+) resumes ahead of other tasks; a timeout is the fallback everywhere else.
  const scheduler = (globalThis as { scheduler?: SchedulerWithYield }).scheduler;
  if (scheduler?.yield) return scheduler.yield();
  return new Promise((resolve) => setTimeout(resolve, 0));
}
