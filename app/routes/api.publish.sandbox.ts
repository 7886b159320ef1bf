import type { ActionFunctionArgs } from '@remix-run/node';
import * as z from 'zod/mini';
import { api, body, ndjson, requireMethod } from '~/lib/http/api.server';
import { rateKey } from '~/lib/http/session.server';
import { publishSandboxRequest, type PublishEvent } from '~/lib/publish/publish-api';
import { publishSandbox, unpublishSandbox } from '~/lib/publish/publish-sandbox.server';

/**
 * POST: publish (or update) an app with a server as a sandbox that keeps running, streaming progress
 * as JSON lines; `done` carries its link the first time. DELETE {project}: unpublish (the sandbox is
 * deleted, the link stops answering).
 */
export function action({ request, context }: ActionFunctionArgs) {
  return api(request, context, async (session) => {
    requireMethod(request, 'POST', 'DELETE');
    if (request.method === 'DELETE') {
      const { project } = await body(request, z.strictObject({ project: publishSandboxRequest.shape.project }), 2_000);
      return unpublishSandbox(context.sandboxes, session.owner, project);
    }
    const input = await body(request, publishSandboxRequest, 30_000_000);
    const admit = () => context.limits.take('create', rateKey(session, context.clientIp), context.clientIp);
    return ndjson<PublishEvent>(request.signal, (send) => publishSandbox(context.sandboxes, context.env, session.owner, input, send, admit, context.clientIp));
  });
}
