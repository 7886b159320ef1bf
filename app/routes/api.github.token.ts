import type { ActionFunctionArgs, LoaderFunctionArgs } from '@remix-run/node';
import * as z from 'zod/mini';
import { api, body, requireMethod } from '~/lib/http/api.server';
import { rateKey } from '~/lib/http/session.server';
import { checkPastedToken, gitHubTokenFor, sessionGitHubTokens } from '~/lib/git/github-tokens.server';
import { parseRepoUrl } from '~/lib/git/repo-url';

/**
 * GET [?repo=<url>]: which GitHub token this session's GitHub work on that repository would use
 * ("session", "server" when the operator lends theirs for it, "expired", or null); never the token.
 */
export function loader({ request, context }: LoaderFunctionArgs) {
  return api(request, context, async (session) => {
    const repo = new URL(request.url).searchParams.get('repo');
    const parsed = repo ? parseRepoUrl(repo, context.env.GITHUB_URL) : undefined;
    return { source: gitHubTokenFor(context.env, session.owner, parsed?.ok ? parsed.ref : undefined).source };
  });
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
