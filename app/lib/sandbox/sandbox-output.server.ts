import { HttpError } from '../http/json-body.server';
import { checkProjectPath } from '../artifact/file-path';
import type { SandboxProvider } from './sandbox-provider.server';
import { shellQuote } from './shell-quote';

/** What a build output may hold to be read back for publishing. */
export const OUTPUT_LIMITS = { files: 2000, bytes: 50_000_000 } as const;

const OUTPUT_DIRS = new Set(['dist', 'build', 'out', '.']);

/**
 * A build's output, read from the sandbox for publishing: the first of `dirs` that has an
 * index.html, every regular file under it (symbolic links are left out: the sandbox made them),
 * each read by the provider without following a link on the host. null: none of the folders has
 * an index.html.
 */
export async function readBuildOutput(provider: SandboxProvider, id: string, dirs: string[]): Promise<{ dir: string; files: Array<{ path: string; content: Buffer }> } | null> {
  const candidates = dirs.filter((dir) => OUTPUT_DIRS.has(dir));
  let listing = '';
  const script = `for d in ${candidates.map(shellQuote).join(' ')}; do if [ -f "$d/index.html" ] && [ ! -L "$d" ]; then printf '%s\\0' "$d"; find "$d" -type f -printf '%P\\0' | head -z -n ${OUTPUT_LIMITS.files + 1}; exit 0; fi; done`;
  const { exitCode } = await provider.exec(id, script, { onOutput: (chunk) => (listing += chunk), timeoutMs: 30_000 });
  if (exitCode !== 0) throw new HttpError(502, `Could not list the build output in the sandbox (exit code ${exitCode}).`);
  const [dir, ...paths] = listing.split('\0').filter(Boolean);
  if (!dir) return null;
  if (paths.length > OUTPUT_LIMITS.files) throw new HttpError(413, `The build output in ${dir}/ has more than ${OUTPUT_LIMITS.files} files.`);
  const files: Array<{ path: string; content: Buffer }> = [];
  let bytes = 0;
  for (const path of paths) {
    const checked = checkProjectPath(path);
    if (!checked.ok) throw new HttpError(422, `The build output has a file this app cannot publish: ${path.slice(0, 200)} (${checked.reason}).`);
    const content = await provider.readFile(id, dir === '.' ? checked.path : `${dir}/${checked.path}`, { maxBytes: OUTPUT_LIMITS.bytes - bytes });
    bytes += content.length;
    files.push({ path: checked.path, content });
  }
  return { dir, files };
}
