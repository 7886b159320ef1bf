import type { ActionFunctionArgs, LoaderFunctionArgs } from '@remix-run/node';
import { api, body, requireMethod } from '~/lib/http/api.server';
import { rateKey } from '~/lib/http/session.server';
import { shareRequest, type Responses } from '~/lib/sandbox/sandbox-api';

/** GET: the sandbox's active share links (ids and expiries; a link's URL is shown once, when it is made). */
export function loader({ request, params, context }: LoaderFunctionArgs) {
  return api(request, context, async (session) => ({ shares: await context.sandboxes.listShares(session.owner, params.id!) }) satisfies Responses['shares']);
}

/** POST: a new share link for the sandbox's preview, valid for `ttlHours` (default 24). */
export function action({ request, params, context }: ActionFunctionArgs) {
  return api(request, context, async (session) => {
    requireMethod(request, 'POST');
    await context.limits.take('share', rateKey(session, context.clientIp), context.clientIp);
    const input = await body(request, shareRequest, 10_000);
    return (await context.sandboxes.createShare(session.owner, params.id!, input.ttlHours)) satisfies Responses['shareCreated'];
  });
}
