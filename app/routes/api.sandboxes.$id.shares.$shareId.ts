import type { ActionFunctionArgs } from '@remix-run/node';
import { api, requireMethod } from '~/lib/http/api.server';
import { rateKey } from '~/lib/http/session.server';
import type { Responses } from '~/lib/sandbox/sandbox-api';

/** DELETE: revoke a share link; it stops working at once. */
export function action({ request, params, context }: ActionFunctionArgs) {
  return api(request, context, async (session) => {
    requireMethod(request, 'DELETE');
    await context.limits.take('share', rateKey(session, context.clientIp), context.clientIp);
    await context.sandboxes.revokeShare(session.owner, params.id!, params.shareId!);
    return { revoked: params.shareId! } satisfies Responses['revoked'];
  });
}
