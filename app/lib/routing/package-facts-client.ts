import type { PackageVerdict } from './package-facts';

/** How long the browser waits for the server's registry look-up before the lists decide alone. */
const LOOKUP_TIMEOUT_MS = 6000;

/** Asks the app's server what the npm registry says of these packages (`name@range` specs; see /api/packages), by name. */
export async function fetchPackageVerdicts(specs: string[]): Promise<Record<string, PackageVerdict | null>> {
  const response = await fetch(`/api/packages?names=${encodeURIComponent(specs.join(','))}`, { signal: AbortSignal.timeout(LOOKUP_TIMEOUT_MS) });
  if (!response.ok) return {};
  const body = (await response.json()) as { packages?: Record<string, PackageVerdict | null> };
  return body.packages ?? {};
}
