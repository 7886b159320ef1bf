import type { LoaderFunctionArgs } from '@remix-run/node';
import { api, ndjson } from '~/lib/http/api.server';

/** GET: a background process's output so far and then live, as JSON lines, ending with its exit code. */
export function loader({ request, params, context }: LoaderFunctionArgs) {
  return api(request, context, async (session) => {
    const log = await context.sandboxes.logs(session.owner, params.id!, params.processId!);
    return ndjson(request.signal, async (send) => {
      if (log.text) send({ type: 'output', data: log.text });
      if (log.exitCode === undefined) {
        await new Promise<void>((resolve) => {
          const listener = (chunk: string) => {
            if (chunk) send({ type: 'output', data: chunk });
            if (log.exitCode !== undefined) done();
          };
          const done = () => {
            log.listeners.delete(listener);
            resolve();
          };
          log.listeners.add(listener);
          request.signal.addEventListener('abort', done, { once: true });
        });
      }
      if (log.exitCode !== undefined) send({ type: 'exit', exitCode: log.exitCode });
    });
  });
}
