import type { ActionFunctionArgs, LoaderFunctionArgs } from '@remix-run/node';
import { api, body, requireMethod } from '~/lib/http/api.server';
import { rateKey } from '~/lib/http/session.server';
import { createSandboxRequest, type Responses } from '~/lib/sandbox/sandbox-api';

/** GET: the session's sandboxes. */
export function loader({ request, context }: LoaderFunctionArgs) {
  return api(request, context, async (session) => ({ sandboxes: await context.sandboxes.list(session.owner) }) satisfies Responses['list']);
}

/**
 * POST: create a sandbox for a project (201). Writing, installing and starting are the client's
 * next calls, as the workbench's cloud runtime makes them. Caps answer 429, bad input 400.
 */
export function action({ request, context }: ActionFunctionArgs) {
  return api(request, context, async (session) => {
    requireMethod(request, 'POST');
    const input = await body(request, createSandboxRequest, 10_000);
    const sandbox = await context.sandboxes.create(session.owner, input.project, () => context.limits.take('create', rateKey(session, context.clientIp), context.clientIp), context.clientIp);
    return Response.json({ sandbox } satisfies Responses['created'], { status: 201 });
  });
}
