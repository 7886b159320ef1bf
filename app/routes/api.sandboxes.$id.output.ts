import type { ActionFunctionArgs } from '@remix-run/node';
import { api, body, requireMethod } from '~/lib/http/api.server';
import { outputRequest, type Responses } from '~/lib/sandbox/sandbox-api';

/** POST {dirs}: the build output (the first folder with an index.html) with its files as base64, for publishing. */
export function action({ request, params, context }: ActionFunctionArgs) {
  return api(request, context, async (session) => {
    requireMethod(request, 'POST');
    const { dirs } = await body(request, outputRequest, 2_000);
    const output = await context.sandboxes.readOutput(session.owner, params.id!, dirs);
    return { dir: output?.dir ?? null, files: (output?.files ?? []).map((file) => ({ path: file.path, content: file.content.toString('base64') })) } satisfies Responses['output'];
  });
}
