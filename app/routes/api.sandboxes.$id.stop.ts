import type { ActionFunctionArgs } from '@remix-run/node';
import { api, requireMethod } from '~/lib/http/api.server';
import type { Responses } from '~/lib/sandbox/sandbox-api';

/** POST: stop the sandbox (its processes end; its files and data stay, and it starts again when its chat is opened). */
export function action({ request, params, context }: ActionFunctionArgs) {
  return api(request, context, async (session) => {
    requireMethod(request, 'POST');
    const sandbox = await context.sandboxes.stop(session.owner, params.id!);
    return { sandbox } satisfies Responses['created'];
  });
}
