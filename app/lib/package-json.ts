/** What the app reads of a project's package.json. */
export interface PackageJson {
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  scripts?: Record<string, string>;
}

/** The parsed package.json, or null while it is still streaming (or is not JSON at all). */
export function parsePackageJson(text: string | undefined): PackageJson | null {
  if (!text) return null;
  try {
    const value = JSON.parse(text) as unknown;
    return value && typeof value === 'object' ? (value as PackageJson) : null;
  } catch {
    return null;
  }
}
