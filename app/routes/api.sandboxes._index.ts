import type { ActionFunctionArgs, LoaderFunctionArgs } from '@remix-run/node';
import { api, body, ndjson, requireMethod } from '~/lib/http/api.server';
import { rateKey } from '~/lib/http/session.server';
import { createSandboxBody, toFiles } from '~/lib/sandbox/sandbox-api-schemas.server';
import { SandboxError } from '~/lib/sandbox/sandbox-provider.server';
import type { LaunchStep } from '~/lib/sandbox/sandbox-service.server';

const PREVIEW_WAIT_MS = 90_000;

/** GET: the session's sandboxes. */
export function loader({ request, context }: LoaderFunctionArgs) {
  return api(request, context, async (session) => ({ sandboxes: await context.sandboxes.list(session.owner) }));
}

/**
 * POST: create a sandbox and, optionally, write files, install and start, streaming each step
 * with its time as JSON lines. Caps and bad input fail before the stream starts (429, 400).
 */
export function action({ request, context }: ActionFunctionArgs) {
  return api(request, context, async (session) => {
    requireMethod(request, 'POST');
    const input = await body(request, createSandboxBody);
    const service = context.sandboxes;
    const began = Date.now();
    const sandbox = await service.create(session.owner, input.project, () => context.limits.take('create', rateKey(session, context.clientIp), context.clientIp), context.clientIp);
    const createdMs = Date.now() - began;

    return ndjson(request.signal, async (send) => {
      const step = async <T>(name: LaunchStep, work: () => Promise<T>): Promise<T> => {
        const at = Date.now();
        send({ type: 'step', step: name, state: 'running' });
        const result = await work();
        send({ type: 'step', step: name, state: 'done', ms: Date.now() - at });
        return result;
      };
      send({ type: 'step', step: 'creating', state: 'done', ms: createdMs });
      send({ type: 'step', step: 'ready', state: 'done', ms: Date.now() - began, sandbox });
      if (input.files.length) await step('writing files', () => service.writeFiles(session.owner, sandbox.id, toFiles(input.files)));
      if (input.install) {
        const { exitCode } = await step('installing', () =>
          service.exec(session.owner, sandbox.id, input.install!, { onOutput: (data) => send({ type: 'output', data }), signal: request.signal }),
        );
        if (exitCode !== 0) throw new SandboxError(`\`${input.install}\` exited with code ${exitCode}`, 422);
      }
      if (input.start) {
        const process = await step('starting', () => service.start(session.owner, sandbox.id, input.start!));
        send({ type: 'process', processId: process.id });
        // Waiting for a port ends early if the command exits first.
        const exited = process.exit.then((code) => ({ code }), () => ({ code: 137 }));
        const port = await step('preview ready', () => Promise.race([service.findPort(session.owner, sandbox.id, PREVIEW_WAIT_MS), exited]));
        if (typeof port === 'object' && port !== null) throw new SandboxError(`\`${input.start}\` exited with code ${port.code} before it opened a port.`, 422);
        if (port === null) throw new SandboxError(`Nothing listened on a port within ${PREVIEW_WAIT_MS / 1000} s of \`${input.start}\`.`, 504);
        send({ type: 'preview', url: sandbox.previewUrl, port });
      }
      send({ type: 'done', sandbox, totalMs: Date.now() - began });
    });
  });
}
