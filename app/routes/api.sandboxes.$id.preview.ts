import type { ActionFunctionArgs } from '@remix-run/node';
import { api, requireMethod } from '~/lib/http/api.server';
import type { Responses } from '~/lib/sandbox/sandbox-api';

/** POST: revokes the sandbox's owner preview URL (every one issued so far) and answers the sandbox with a new one. Share links are not affected. */
export function action({ request, params, context }: ActionFunctionArgs) {
  return api(request, context, async (session) => {
    requireMethod(request, 'POST');
    return { sandbox: await context.sandboxes.renewPreview(session.owner, params.id!) } satisfies Responses['renewed'];
  });
}
