/**
 * Whether an npm package can run in the browser runtime, judged from what its registry manifest
 * says rather than from a hand-kept list: install scripts, node-gyp files, prebuilt-binary
 * tooling, per-platform binaries. Pure: the server fetches manifests, this reads them.
 */

/** The fields of a registry manifest (`GET <registry>/<name>/latest`) that matter here. */
export interface PackageManifest {
  name: string;
  version?: string;
  scripts?: Record<string, string>;
  gypfile?: boolean;
  binary?: unknown;
  os?: string[];
  cpu?: string[];
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  hasInstallScript?: boolean;
}

/** `needsServer` is a sentence naming the package and the fact, or null when the browser can run it. */
export interface PackageVerdict {
  name: string;
  needsServer: string | null;
}

/**
 * Packages whose manifests show native binaries, but that WebContainer runs anyway by swapping
 * in a WebAssembly build. Each entry with its source:
 * - esbuild, lightningcss: StackBlitz docs (webcontainers/turbo-package-manager: "esbuild-wasm
 *   instead of esbuild") and stackblitz/webcontainer-core#1163 (wasm swapping of both).
 * - @swc/core: vitejs/vite-plugin-react-swc#268 (installed as @swc/wasm in WebContainer).
 * - next, @next/swc-*: vercel/next.js#58081 (SWC wasm fallback when process.versions.webcontainer).
 * - @tailwindcss/oxide: tailwindlabs/tailwindcss#17558 (oxide-wasm32-wasi, tested on StackBlitz).
 * - @parcel/watcher: nrwl/nx-console#1914 (StackBlitz swaps in the wasm build).
 * - rolldown: rolldown/rolldown#3922 (wasm binding fallback on WebContainer); Vite 8 builds on it.
 * - rollup: @rollup/wasm-node, the build rollup itself names for platforms without a binary.
 * - fsevents: macOS-only and optional; its absence is expected everywhere else.
 */
const BROWSER_TOOLCHAIN: Array<string | RegExp> = [
  'esbuild',
  /^@esbuild\//,
  'lightningcss',
  /^lightningcss-/,
  '@swc/core',
  /^@swc\/core-/,
  '@swc/wasm',
  'next',
  /^@next\/swc-/,
  '@tailwindcss/oxide',
  /^@tailwindcss\/oxide-/,
  '@parcel/watcher',
  /^@parcel\/watcher-/,
  'rolldown',
  /^@rolldown\//,
  'rollup',
  /^@rollup\//,
  'vite',
  'fsevents',
];

export function isBrowserToolchain(name: string) {
  return BROWSER_TOOLCHAIN.some((entry) => (typeof entry === 'string' ? entry === name : entry.test(name)));
}

/** Tooling that only a package building or loading a native addon depends on. */
const NATIVE_TOOLING = ['node-gyp', 'prebuild-install', 'node-gyp-build', 'node-gyp-build-optional-packages', '@mapbox/node-pre-gyp', 'node-pre-gyp', 'cmake-js', 'cmake-ts', 'node-addon-api', 'nan', 'bindings', 'pkg-prebuilds', 'napi-build-utils'];
const NATIVE_SCRIPT = /\b(node-gyp|prebuild-install|node-gyp-build|node-pre-gyp|cmake-js|pkg-prebuilds)\b/;
/** Install scripts that only print (core-js's and nx's thank-you banners, Open Collective notices). */
const BANNER_SCRIPT = /^node -e "try\{require\('[./\w-]+'\)\}catch\(e\)\{\}"$|^opencollective(-postinstall)?\b|^echo\b/;
const PLATFORM_PART = /(^|[-/])(linux|darwin|win32|freebsd|openbsd|android|sunos|aix)(-|$)/;
const WASM_PART = /wasm/;
const INSTALL_HOOKS = ['preinstall', 'install', 'postinstall'];

export function judgeManifest(manifest: PackageManifest): PackageVerdict {
  const name = manifest.name;
  const verdict = (needsServer: string | null): PackageVerdict => ({ name, needsServer });
  if (isBrowserToolchain(name)) return verdict(null);

  const script = INSTALL_HOOKS.map((hook) => manifest.scripts?.[hook]).find((s): s is string => !!s && !BANNER_SCRIPT.test(s.trim()));
  if (manifest.gypfile === true || (script && NATIVE_SCRIPT.test(script))) return verdict(`${name} compiles a native addon when it installs`);
  const tooling = NATIVE_TOOLING.find((dep) => manifest.dependencies?.[dep] !== undefined);
  if (tooling) return verdict(`${name} loads a native addon (it depends on ${tooling})`);
  if (manifest.binary) return verdict(`${name} downloads a prebuilt native binary when it installs`);

  const optional = Object.keys(manifest.optionalDependencies ?? {});
  const platformBinaries = optional.filter((dep) => PLATFORM_PART.test(dep.replace(/^@[^/]+\//, '')));
  if (platformBinaries.length > 0 && !optional.some((dep) => WASM_PART.test(dep))) {
    return verdict(`${name} ships a native binary per platform (${platformBinaries[0]}, …), which the browser runtime cannot load`);
  }
  if (manifest.os?.length || manifest.cpu?.length) return verdict(`${name} installs only on some platforms (${[...(manifest.os ?? []), ...(manifest.cpu ?? [])].join(', ')})`);
  if (script) return verdict(`${name} runs an install script (\`${script.slice(0, 60)}\`), which the browser runtime does not run`);
  if (manifest.hasInstallScript === true) return verdict(`${name} runs an install script, which the browser runtime does not run`);
  return verdict(null);
}

/** npm's rules for a package name (lowercase, URL-safe, optionally scoped): anything else is never looked up. */
export function isValidPackageName(name: string) {
  return name.length <= 214 && /^(@[a-z0-9][a-z0-9._~-]*\/)?[a-z0-9][a-z0-9._~-]*$/.test(name);
}
