import type { LoaderFunctionArgs } from '@remix-run/node';
import { api } from '~/lib/http/api.server';
import type { PublishTargetsView } from '~/lib/publish/publish-api';
import { sandboxPublishing } from '~/lib/publish/publish-sandbox.server';
import { publishTokenFor } from '~/lib/publish/publish-tokens.server';

/** GET: where this session can publish — which token each host would use (never the token), and whether apps with a server can be published here, at what cost. */
export function loader({ request, context }: LoaderFunctionArgs) {
  return api(request, context, async (session) => ({
    hosts: {
      netlify: { token: publishTokenFor(context.env, session.owner, 'netlify').source },
      vercel: { token: publishTokenFor(context.env, session.owner, 'vercel').source },
    },
    sandbox: sandboxPublishing(context.env),
  }) satisfies PublishTargetsView);
}
