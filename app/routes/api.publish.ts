import type { ActionFunctionArgs } from '@remix-run/node';
import { api, body, ndjson, requireMethod } from '~/lib/http/api.server';
import { PUBLISH_LIMITS, publishStaticRequest, type PublishEvent } from '~/lib/publish/publish-api';
import { publishStatic } from '~/lib/publish/publish-static.server';

/** POST: publish a build output to Netlify or Vercel, streaming progress as JSON lines (docs/API.md). */
export function action({ request, context }: ActionFunctionArgs) {
  return api(request, context, async (session) => {
    requireMethod(request, 'POST');
    const input = await body(request, publishStaticRequest, Math.ceil(PUBLISH_LIMITS.bytes * 1.4) + 1_000_000);
    return ndjson<PublishEvent>(request.signal, async (send) => {
      await publishStatic(context.env, session.owner, input, send, request.signal);
    });
  });
}
