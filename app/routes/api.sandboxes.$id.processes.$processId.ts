import type { ActionFunctionArgs } from '@remix-run/node';
import { api, requireMethod } from '~/lib/http/api.server';
import type { Responses } from '~/lib/sandbox/sandbox-api';

/** DELETE: end a background process (a dev server) and everything it started. */
export function action({ request, params, context }: ActionFunctionArgs) {
  return api(request, context, async (session) => {
    requireMethod(request, 'DELETE');
    await context.sandboxes.kill(session.owner, params.id!, params.processId!);
    return { killed: params.processId! } satisfies Responses['killed'];
  });
}
