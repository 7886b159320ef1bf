import type { ActionFunctionArgs } from '@remix-run/node';
import * as z from 'zod/mini';
import { api, body, requireMethod } from '~/lib/http/api.server';
import { repoEventStream } from '~/lib/http/event-stream.server';
import { rateKey } from '~/lib/http/session.server';
import { gitHubTokenFor } from '~/lib/git/github-tokens.server';
import { importRepository, repoRefOf } from '~/lib/git/repo-flows.server';
import { isBranchName } from '~/lib/git/repo-url';

const importRequest = z.object({
  repoUrl: z.string().check(z.minLength(1), z.maxLength(500)),
  branch: z.optional(z.string().check(z.refine(isBranchName, 'must be a branch name'))),
});

/** POST {repoUrl, branch?}: fetches the repository on the server and streams its text files back (events: cloning, cloned, imported, done). */
export function action({ request, context }: ActionFunctionArgs) {
  return api(request, context, async (session) => {
    requireMethod(request, 'POST');
    const input = await body(request, importRequest, 10_000);
    const { token } = gitHubTokenFor(context.env, session.owner, repoRefOf(context.env, input.repoUrl));
    // A fetch is counted like a sandbox creation: it costs the server as much.
    await context.limits.take('create', rateKey(session, context.clientIp), context.clientIp);
    return repoEventStream(
      request.signal,
      (send) => importRepository({ env: context.env, service: context.sandboxes, owner: session.owner, clientIp: context.clientIp, token, signal: request.signal, emit: send }, input),
      [token],
    );
  });
}

export function loader() {
  return Response.json({ error: 'Use POST.' }, { status: 405 });
}
