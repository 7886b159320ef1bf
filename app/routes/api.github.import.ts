import type { ActionFunctionArgs } from '@remix-run/node';
import * as z from 'zod/mini';
import { errorJson } from '~/lib/http/api.server';
import { repoEventStream } from '~/lib/http/event-stream.server';
import { HttpError, readJsonBody } from '~/lib/http/json-body.server';
import { assertSameOriginJson } from '~/lib/http/same-origin.server';
import { rateKey } from '~/lib/http/session.server';
import { gitHubTokenFor } from '~/lib/git/github-tokens.server';
import { importRepository, repoRefOf } from '~/lib/git/repo-flows.server';
import { isBranchName } from '~/lib/git/repo-url';

const importRequest = z.object({
  repoUrl: z.string().check(z.minLength(1), z.maxLength(500)),
  branch: z.optional(z.string().check(z.refine(isBranchName, 'must be a branch name'))),
});

/** POST {repoUrl, branch?}: clones the repository in a sandbox of the session's and streams its text files back (events: cloning, cloned, imported, done). */
export async function action({ request, context }: ActionFunctionArgs) {
  const session = await context.sessions.get(request);
  let response: Response;
  try {
    if (request.method !== 'POST') throw new HttpError(405, 'Use POST.');
    assertSameOriginJson(request, context.env.APP_HOST);
    const input = await readJsonBody(request, importRequest, 10_000);
    repoRefOf(context.env, input.repoUrl);
    const { token } = gitHubTokenFor(context.env, session.owner);
    const admit = () => context.limits.take('create', rateKey(session, context.clientIp), context.clientIp);
    response = repoEventStream(request.signal, (send) =>
      importRepository({ env: context.env, service: context.sandboxes, owner: session.owner, clientIp: context.clientIp, admit, token, signal: request.signal, emit: send }, input),
    );
  } catch (error) {
    response = errorJson(error);
  }
  if (session.setCookie) response.headers.append('Set-Cookie', session.setCookie);
  return response;
}

export function loader() {
  return Response.json({ error: 'Use POST.' }, { status: 405 });
}
