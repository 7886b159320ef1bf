import type { ActionFunctionArgs } from '@remix-run/node';
import { api, body, requireMethod } from '~/lib/http/api.server';
import { startRequest, type Responses } from '~/lib/sandbox/sandbox-api';

/** POST: start a long-running command in the background. Its output: GET …/logs/:processId. */
export function action({ request, params, context }: ActionFunctionArgs) {
  return api(request, context, async (session) => {
    requireMethod(request, 'POST');
    const input = await body(request, startRequest, 100_000);
    const process = await context.sandboxes.start(session.owner, params.id!, input.command);
    return { processId: process.id } satisfies Responses['started'];
  });
}
