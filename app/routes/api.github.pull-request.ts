import type { ActionFunctionArgs } from '@remix-run/node';
import * as z from 'zod/mini';
import { checkProjectPath } from '~/lib/artifact/file-path';
import { api, body, requireMethod } from '~/lib/http/api.server';
import { repoEventStream } from '~/lib/http/event-stream.server';
import { HttpError } from '~/lib/http/json-body.server';
import { rateKey } from '~/lib/http/session.server';
import { gitHubTokenFor, missingTokenMessage } from '~/lib/git/github-tokens.server';
import { openPullRequest, repoRefOf } from '~/lib/git/repo-flows.server';
import { isBranchName } from '~/lib/git/repo-url';
import { listModels } from '~/lib/llm/model-list.server';
import { IMPORT_LIMITS } from '~/lib/projects/archive';

const path = z.string().check(z.refine((p) => checkProjectPath(p).ok, 'must be a path inside the project'));

const pullRequest = z.object({
  repoUrl: z.string().check(z.minLength(1), z.maxLength(500)),
  baseBranch: z.string().check(z.refine(isBranchName, 'must be a branch name')),
  baseCommit: z.string().check(z.regex(/^[0-9a-f]{40}$/, 'must be a commit id')),
  files: z.record(path, z.string().check(z.maxLength(IMPORT_LIMITS.fileBytes))),
  deleted: z.array(path).check(z.maxLength(IMPORT_LIMITS.files)),
  requests: z.array(z.string().check(z.maxLength(20_000))).check(z.maxLength(200)),
  summary: z.string().check(z.maxLength(20_000)),
  model: z.string().check(z.minLength(1), z.maxLength(200)),
});

/**
 * POST: "Create pull request" for a chat that came from GitHub. Its project goes over the commit
 * it was imported from, fetched on the server; commit on a new branch, push, PR (events as the runs API's).
 */
export function action({ request, context }: ActionFunctionArgs) {
  return api(request, context, async (session) => {
    requireMethod(request, 'POST');
    const { env } = context;
    const input = await body(request, pullRequest, IMPORT_LIMITS.totalBytes + 1_000_000);
    if (Object.keys(input.files).length > IMPORT_LIMITS.files) throw new HttpError(413, `A pull request can carry at most ${IMPORT_LIMITS.files} files.`);
    const { token, source } = gitHubTokenFor(env, session.owner, repoRefOf(env, input.repoUrl));
    if (!token) throw new HttpError(401, missingTokenMessage(source, 'push a branch and open a pull request'));
    const { models } = await listModels(env);
    const model = models.some((m) => m.id === input.model) ? input.model : env.DEFAULT_MODEL;
    // The pull request's text is a model request.
    await context.limits.take('chat', rateKey(session, context.clientIp), context.clientIp);
    await context.limits.take('create', rateKey(session, context.clientIp), context.clientIp);
    return repoEventStream(
      request.signal,
      (send) => openPullRequest({ env, service: context.sandboxes, owner: session.owner, clientIp: context.clientIp, token, signal: request.signal, emit: send }, { ...input, model }),
      [token],
    );
  });
}

export function loader() {
  return Response.json({ error: 'Use POST.' }, { status: 405 });
}
