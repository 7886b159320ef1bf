import type { ActionFunctionArgs } from '@remix-run/node';
import { api, body, ndjson, requireMethod } from '~/lib/http/api.server';
import { execRequest } from '~/lib/sandbox/sandbox-api';

/** POST: run a command to completion, streaming its output as JSON lines, then its exit code. */
export function action({ request, params, context }: ActionFunctionArgs) {
  return api(request, context, async (session) => {
    requireMethod(request, 'POST');
    const input = await body(request, execRequest, 100_000);
    await context.sandboxes.get(session.owner, params.id!);
    return ndjson(request.signal, async (send) => {
      const result = await context.sandboxes.exec(session.owner, params.id!, input.command, {
        onOutput: (data) => send({ type: 'output', data }),
        timeoutMs: input.timeoutS ? input.timeoutS * 1000 : undefined,
        signal: request.signal,
      });
      send({ type: 'exit', ...result });
    });
  });
}
