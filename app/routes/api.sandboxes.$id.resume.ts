import type { ActionFunctionArgs } from '@remix-run/node';
import { api, requireMethod } from '~/lib/http/api.server';
import type { Responses } from '~/lib/sandbox/sandbox-api';

/** POST: start the sandbox again if it was stopped (its chat is open again); its status after. Under the caps like a new one. */
export function action({ request, params, context }: ActionFunctionArgs) {
  return api(request, context, async (session) => {
    requireMethod(request, 'POST');
    const sandbox = await context.sandboxes.resume(session.owner, params.id!);
    return { sandbox } satisfies Responses['created'];
  });
}
