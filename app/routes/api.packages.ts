import type { LoaderFunctionArgs } from '@remix-run/node';
import { api } from '~/lib/http/api.server';
import { HttpError } from '~/lib/http/json-body.server';
import { rateKey } from '~/lib/http/session.server';
import { parsePackageSpec } from '~/lib/routing/registry-lookup.server';

const MAX_NAMES = 200;

/**
 * GET /api/packages?names=a@^1.2,b: what the npm registry says of each package at the version the
 * range asks for (a bare name: latest), for routing ({ packages: { name: { needsServer } | null } },
 * null where the registry did not answer in time).
 * Names the server must ask the registry about are counted against a budget per session and
 * address; past it they are not looked up (null, listed in `notLookedUp`, `note` says why), and
 * the router's lists decide for them as when the registry is slow. Names already known are free.
 */
export function loader({ request, context }: LoaderFunctionArgs) {
  return api(request, context, async (session) => {
    const key = rateKey(session, context.clientIp);
    await context.limits.take('packages', key, context.clientIp);
    const names = [...new Set((new URL(request.url).searchParams.get('names') ?? '').split(',').map((n) => n.trim()).filter(Boolean))];
    if (names.length > MAX_NAMES) throw new HttpError(400, `Ask for at most ${MAX_NAMES} packages at a time.`);
    const uncached = context.registry.uncached(names);
    const { granted, refusal } = await context.limits.takeUpTo('packageNames', key, context.clientIp, uncached.length);
    const skipped = new Set(uncached.slice(granted));
    const packages = await context.registry.lookup(names.filter((spec) => !skipped.has(spec)));
    const notLookedUp = [...skipped].map((spec) => parsePackageSpec(spec).name);
    if (notLookedUp.length === 0) return { packages };
    const count = notLookedUp.length === 1 ? '1 name' : `${notLookedUp.length} names`;
    return {
      packages: { ...packages, ...Object.fromEntries(notLookedUp.map((name) => [name, null])) },
      notLookedUp,
      note: `${refusal}: ${count} not looked up; the built-in lists decide for ${notLookedUp.length === 1 ? 'it' : 'them'}.`,
    };
  });
}
