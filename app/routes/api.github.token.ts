import type { ActionFunctionArgs, LoaderFunctionArgs } from '@remix-run/node';
import * as z from 'zod/mini';
import { api, body, requireMethod } from '~/lib/http/api.server';
import { rateKey } from '~/lib/http/session.server';
import { checkPastedToken, gitHubTokenFor, sessionGitHubTokens } from '~/lib/git/github-tokens.server';

/** GET: which GitHub token this session's GitHub work would use ("session", "server" or null); never the token. */
export function loader({ request, context }: LoaderFunctionArgs) {
  return api(request, context, async (session) => ({ source: gitHubTokenFor(context.env, session.owner).source }));
}

/** PUT {token}: keep a pasted token for this session (server memory only). DELETE: forget it. */
export function action({ request, context }: ActionFunctionArgs) {
  return api(request, context, async (session) => {
    requireMethod(request, 'PUT', 'DELETE');
    if (request.method === 'DELETE') {
      sessionGitHubTokens.delete(session.owner);
    } else {
      // Each paste holds a slot in server memory for hours: counted, so nobody can push other people's tokens out.
      await context.limits.take('githubToken', rateKey(session, context.clientIp), context.clientIp);
      sessionGitHubTokens.set(session.owner, checkPastedToken((await body(request, z.object({ token: z.string().check(z.maxLength(300)) }), 2_000)).token));
    }
    return { source: gitHubTokenFor(context.env, session.owner).source };
  });
}
