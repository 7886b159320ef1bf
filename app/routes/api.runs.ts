import type { ActionFunctionArgs } from '@remix-run/node';
import * as z from 'zod/mini';
import { repoEventStream } from '~/lib/http/event-stream.server';
import { errorJson } from '~/lib/http/api.server';
import { HttpError, readJsonBody } from '~/lib/http/json-body.server';
import { isBranchName } from '~/lib/git/repo-url';
import { repoRefOf, runRepoTask } from '~/lib/git/repo-flows.server';
import { RunLimits } from '~/lib/git/run-limits.server';
import { listModels } from '~/lib/llm/model-list.server';
import { randomHex, sameToken, sha256Hex } from '~/lib/sandbox/tokens.server';

const runRequest = z.object({
  repoUrl: z.string().check(z.minLength(1), z.maxLength(500)),
  prompt: z.string().check(z.minLength(1), z.maxLength(20_000)),
  baseBranch: z.optional(z.string().check(z.refine(isBranchName, 'must be a branch name'))),
  model: z.optional(z.string().check(z.minLength(1), z.maxLength(200))),
});

let limits: { key: string; limits: RunLimits } | undefined;

/**
 * POST /api/runs {repoUrl, prompt, baseBranch?, model?} with `Authorization: Bearer <RUNS_API_TOKEN>`:
 * clones the repository into a sandbox, lets the agent work on the prompt, pushes a branch and
 * opens a pull request, answering with server-sent events (docs/API.md). The sandbox is deleted
 * at the end whatever happens; closing the request stops the run.
 */
export async function action({ request, context }: ActionFunctionArgs) {
  try {
    if (request.method !== 'POST') throw new HttpError(405, 'Use POST.');
    const { env } = context;
    if (!env.RUNS_API_TOKEN) throw new HttpError(404, 'The runs API is off on this server: set RUNS_API_TOKEN to turn it on.');
    const bearer = /^Bearer (.+)$/.exec(request.headers.get('authorization') ?? '')?.[1] ?? '';
    // Digests are compared, so the comparison takes as long whatever the token's length.
    if (!sameToken(await sha256Hex(bearer), await sha256Hex(env.RUNS_API_TOKEN))) {
      return Response.json({ error: 'Send the runs API token as "Authorization: Bearer <RUNS_API_TOKEN>".' }, { status: 401, headers: { 'WWW-Authenticate': 'Bearer' } });
    }
    const input = await readJsonBody(request, runRequest, 100_000);
    repoRefOf(env, input.repoUrl);
    if (!env.OPENROUTER_API_KEY && env.usesOpenRouter) throw new HttpError(503, 'No model API key is configured on the server (OPENROUTER_API_KEY).');
    if (!env.GITHUB_TOKEN) throw new HttpError(503, 'The runs API pushes branches and opens pull requests with GITHUB_TOKEN, which is not set on the server.');
    const model = input.model ?? env.DEFAULT_MODEL;
    const offered = (await listModels(env)).models.find((m) => m.id === model);
    if (!offered) throw new HttpError(400, `This server does not offer the model "${model.slice(0, 100)}".`);
    if (offered.tools === false) throw new HttpError(400, `${offered.label} cannot call tools, which a run needs.`);
    const key = `${env.RUNS_MAX_CONCURRENT}/${env.RUNS_PER_HOUR}`;
    if (limits?.key !== key) limits = { key, limits: new RunLimits(env.RUNS_MAX_CONCURRENT, env.RUNS_PER_HOUR) };
    const release = limits.limits.admit();
    const runId = randomHex(8);
    // Runs' sandboxes have an owner of their own: no browser session can see or touch them.
    const owner = (await sha256Hex('appforge-runs-api')).slice(0, 32);
    console.log(`run ${runId}: started for ${input.repoUrl.slice(0, 200)}`);
    return repoEventStream(request.signal, async (send) => {
      try {
        await runRepoTask({ env, service: context.sandboxes, owner, clientIp: context.clientIp, token: env.GITHUB_TOKEN, signal: request.signal, emit: send }, { runId, repoUrl: input.repoUrl, prompt: input.prompt, baseBranch: input.baseBranch, model });
        console.log(`run ${runId}: done`);
      } catch (error) {
        console.log(`run ${runId}: failed: ${(error as Error).message}`);
        throw error;
      } finally {
        release();
      }
    }, [env.GITHUB_TOKEN]);
  } catch (error) {
    return errorJson(error);
  }
}

export function loader() {
  return Response.json({ error: 'Use POST (see docs/API.md).' }, { status: 405 });
}
