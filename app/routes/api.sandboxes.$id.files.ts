import type { ActionFunctionArgs } from '@remix-run/node';
import { api, body, requireMethod } from '~/lib/http/api.server';
import { writeFilesRequest, type Responses } from '~/lib/sandbox/sandbox-api';

/** PUT: write a batch of files and remove paths, in one request. The whole batch is validated first. */
export function action({ request, params, context }: ActionFunctionArgs) {
  return api(request, context, async (session) => {
    requireMethod(request, 'PUT');
    const input = await body(request, writeFilesRequest);
    const files = input.files.map((f) => ({ path: f.path, content: f.encoding === 'base64' ? Buffer.from(f.content, 'base64') : f.content }));
    await context.sandboxes.writeFiles(session.owner, params.id!, files, input.remove);
    return { written: input.files.length, removed: input.remove.length } satisfies Responses['written'];
  });
}
