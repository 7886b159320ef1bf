import { atom } from 'nanostores';
import type { ModelList } from './models';

/**
 * Waits between asks while the server's list is incomplete (it is still asking the model server,
 * or that failed) or /api/models fails; after the last one the next page that needs it asks again.
 */
const RETRY_DELAYS_MS = [1_000, 2_000, 4_000, 8_000, 15_000, 30_000];

/** The server's model list as the page knows it (null until the first answer), asked once per page load. */
export function modelListLoader(ask: () => Promise<Response>, retryDelays: readonly number[] = RETRY_DELAYS_MS) {
  const list = atom<ModelList | null>(null);
  let running = false;

  async function run() {
    for (let attempt = 0; ; attempt++) {
      try {
        const response = await ask();
        if (response.ok) {
          const body = (await response.json()) as ModelList;
          list.set(body);
          // A server from before `complete` existed sends a whole list.
          if (body.complete !== false) return;
        }
      } catch {
        // Offline or the server restarting: asked again below.
      }
      const delay = retryDelays[attempt];
      if (delay === undefined) {
        running = false;
        return;
      }
      await new Promise((resolve) => setTimeout(resolve, delay));
    }
  }

  return {
    list,
    start() {
      if (running) return;
      running = true;
      void run();
    },
  };
}
