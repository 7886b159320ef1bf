import type { LoaderFunctionArgs } from '@remix-run/node';
import { api } from '~/lib/http/api.server';
import { HttpError } from '~/lib/http/json-body.server';
import { rateKey } from '~/lib/http/session.server';

const MAX_NAMES = 200;

/**
 * GET /api/packages?names=a,b: what the npm registry says of each package, for routing
 * ({ packages: { name: { needsServer } | null } }, null where the registry did not answer in time).
 */
export function loader({ request, context }: LoaderFunctionArgs) {
  return api(request, context, async (session) => {
    await context.limits.take('packages', rateKey(session, context.clientIp), context.clientIp);
    const names = (new URL(request.url).searchParams.get('names') ?? '').split(',').map((n) => n.trim()).filter(Boolean);
    if (names.length > MAX_NAMES) throw new HttpError(400, `Ask for at most ${MAX_NAMES} packages at a time.`);
    return { packages: await context.registry.lookup(names) };
  });
}
