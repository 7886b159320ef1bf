import type { ActionFunctionArgs, LoaderFunctionArgs } from '@remix-run/node';
import { api, requireMethod } from '~/lib/http/api.server';
import type { Responses } from '~/lib/sandbox/sandbox-api';

/** GET: one sandbox's status (404 unless it is the session's). `?waitForPortMs=N` waits for its app's port. */
export function loader({ request, params, context }: LoaderFunctionArgs) {
  return api(request, context, async (session) => {
    const sandbox = await context.sandboxes.get(session.owner, params.id!);
    const wait = Math.min(Number(new URL(request.url).searchParams.get('waitForPortMs') ?? '0') || 0, 120_000);
    const port = await context.sandboxes.findPort(session.owner, sandbox.id, wait);
    return { sandbox, port } satisfies Responses['status'];
  });
}

/** DELETE: stop and delete the sandbox. */
export function action({ request, params, context }: ActionFunctionArgs) {
  return api(request, context, async (session) => {
    requireMethod(request, 'DELETE');
    await context.sandboxes.delete(session.owner, params.id!);
    return { deleted: params.id! } satisfies Responses['deleted'];
  });
}
