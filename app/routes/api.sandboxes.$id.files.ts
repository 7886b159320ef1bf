import type { ActionFunctionArgs } from '@remix-run/node';
import { api, body, requireMethod } from '~/lib/http/api.server';
import { toFiles, writeFilesBody } from '~/lib/sandbox/sandbox-api-schemas.server';

/** PUT: write a batch of files and remove paths, in one request. The whole batch is validated first. */
export function action({ request, params, context }: ActionFunctionArgs) {
  return api(request, context, async (session) => {
    requireMethod(request, 'PUT');
    const input = await body(request, writeFilesBody);
    await context.sandboxes.writeFiles(session.owner, params.id!, toFiles(input.files), input.remove);
    return { written: input.files.length, removed: input.remove.length };
  });
}
