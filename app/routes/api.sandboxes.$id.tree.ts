import type { LoaderFunctionArgs } from '@remix-run/node';
import { api } from '~/lib/http/api.server';
import type { Responses } from '~/lib/sandbox/sandbox-api';

/** GET: the project's files as the sandbox has them (text contents under a size cap; no node_modules or .git). */
export function loader({ request, params, context }: LoaderFunctionArgs) {
  return api(request, context, async (session) => ({ entries: await context.sandboxes.readTree(session.owner, params.id!) }) satisfies Responses['tree']);
}
