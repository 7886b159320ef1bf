import type { ActionFunctionArgs } from '@remix-run/node';
import { api, body, requireMethod } from '~/lib/http/api.server';
import { captureStateRequest, restoreStateRequest, SANDBOX_LIMITS, type Responses } from '~/lib/sandbox/sandbox-api';

/**
 * POST `{keep}`: the sandbox's own state (what the app wrote outside the kept text files and
 * dependencies) as a gzip tar. PUT `{archive, keep}`: puts such a state back. The sandbox is
 * checked to be the session's before a byte of the body is read.
 */
export function action({ request, params, context }: ActionFunctionArgs) {
  return api(request, context, async (session) => {
    requireMethod(request, 'POST', 'PUT');
    await context.sandboxes.get(session.owner, params.id!);
    if (request.method === 'POST') {
      const input = await body(request, captureStateRequest, SANDBOX_LIMITS.keepBodyBytes);
      const { archive, files } = await context.sandboxes.captureState(session.owner, params.id!, input.keep);
      return { archive: archive.toString('base64'), bytes: archive.length, files } satisfies Responses['stateCaptured'];
    }
    // The archive as base64 (4 characters for 3 bytes) beside the keep list.
    const maxBytes = Math.ceil((context.env.SANDBOX_STATE_MAX_MB * 1_048_576 * 4) / 3) + SANDBOX_LIMITS.keepBodyBytes;
    const input = await body(request, restoreStateRequest, maxBytes);
    const { files } = await context.sandboxes.restoreState(session.owner, params.id!, Buffer.from(input.archive, 'base64'), input.keep);
    return { restored: true, files } satisfies Responses['stateRestored'];
  });
}
