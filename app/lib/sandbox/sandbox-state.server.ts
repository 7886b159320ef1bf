import { SandboxError, type SandboxProvider } from './sandbox-provider.server';
import { randomHex } from './tokens.server';

/**
 * A sandbox's own state, for versions: every file in the project directory that the app itself
 * wrote (databases, uploads, data files), outside the project's text files (which the browser
 * versions itself and names in `keep`) and outside STATE_EXCLUDED_DIRS. Captured as a gzip tar
 * made by one shell command inside the sandbox and read back with the provider's readFile;
 * restored by one command that deletes what is not kept and extracts the archive. Everything runs
 * in the sandbox (GNU find, sort, comm, tar), so a symbolic link the app made can only lead to
 * what the sandbox itself may touch. Paths travel NUL-separated and are compared exactly
 * (`comm -z` in the C locale), so spaces, quotes and newlines in names survive.
 */

/** Dependencies, version control, build output and caches: made again by installs and builds, large, and never the app's own data. */
export const STATE_EXCLUDED_DIRS = ['node_modules', '.git', 'dist', 'build', '.next', '.nuxt', '.svelte-kit', '.cache', '.vite', '.turbo', '.parcel-cache', '__pycache__', '.venv', 'venv', 'coverage', '.npm'] as const;

/** How the temporary files of a capture or restore begin: no tree read (readTree) lists them, so none reaches the browser's files. */
export const STATE_TEMP_PREFIX = '.appforge-state-';

export interface StateOptions {
  /** The largest archive kept or taken back, in bytes (SANDBOX_STATE_MAX_MB). */
  maxBytes: number;
  /** The longest the capture or restore command may run. */
  timeoutMs: number;
  /** Stops the sandbox's app server (it must not hold a database while it is replaced). */
  stopServer: (id: string) => Promise<void>;
}

const RESULT = /^appforge-state (\d+)(?: (\d+))?$/m;
/** find's expression for "not inside an excluded directory": those are pruned wherever they are. */
const PRUNE = `-type d \\( ${STATE_EXCLUDED_DIRS.map((name) => `-name '${name}'`).join(' -o ')} \\) -prune -o`;

/** Hidden temporary files in the project directory, one set per capture or restore. */
function tempNames() {
  const base = `${STATE_TEMP_PREFIX}${randomHex(8)}`;
  return { keep: `${base}.keep`, archive: `${base}.tgz`, all: `${base}.all`, list: `${base}.list` };
}
type Temp = ReturnType<typeof tempNames>;

/** The command's variables and the sorted keep list (the temporary files are kept too: never captured, never deleted). */
function prelude(temp: Temp) {
  return ['export LC_ALL=C', `k=${temp.keep} a=${temp.archive} all=${temp.all} l=${temp.list}`, 'sort -z -u -o "$k" "$k"'].join(' && ');
}

/** Sent as one line, so that no wrapper around the command (a Daytona session's) can split it. */
const oneLine = (script: string) => script.replace(/\n/g, ' ');

/** Lists the state (regular files, symbolic links as links, empty folders), leaves out what is kept, and archives it. */
function captureScript(temp: Temp) {
  return oneLine(`${prelude(temp)} &&
find . -mindepth 1 ${PRUNE} \\( -type f -o -type l -o -type d -empty \\) -printf '%P\\0' > "$all" &&
sort -z -u -o "$all" "$all" &&
comm -z -23 "$all" "$k" > "$l" &&
tar --null --verbatim-files-from --no-recursion -T "$l" -czf "$a" &&
echo "appforge-state $(tr -cd '\\000' < "$l" | wc -c) $(wc -c < "$a")"`);
}

/**
 * Checks the archive, deletes every file that is neither kept nor in an excluded folder and then
 * the folders left empty, and extracts the archive without replacing what is left (kept files,
 * the temporary files). GNU tar skips members with `..` and strips a leading `/`.
 */
function restoreScript(temp: Temp) {
  return oneLine(`${prelude(temp)} &&
tar -tzf "$a" > "$l" && n=$(wc -l < "$l") &&
find . -mindepth 1 ${PRUNE} ! -type d -printf '%P\\0' > "$all" &&
sort -z -u -o "$all" "$all" &&
comm -z -23 "$all" "$k" | xargs -0r rm -f -- &&
find . -mindepth 1 ${PRUNE} -type d -printf '%P\\0' | sort -zr | xargs -0r rmdir --ignore-fail-on-non-empty -- &&
tar -xzf "$a" --no-same-owner --skip-old-files &&
echo "appforge-state $n"`);
}

const mb = (bytes: number, digits = 1) => `${Number((bytes / 1_048_576).toFixed(digits))} MB`;
/** A size over the cap, never written as the cap itself ("1.05 MB, over the 1 MB"). */
const over = (bytes: number, cap: number) => (mb(bytes) === mb(cap) ? mb(bytes, 3) : mb(bytes));

/** Captures and restores sandboxes' state, one operation per sandbox at a time. */
export class SandboxState {
  #turns = new Map<string, Promise<unknown>>();

  constructor(
    private readonly provider: SandboxProvider,
    private readonly options: StateOptions,
  ) {}

  /** The state outside `keep` as a gzip tar, and how many entries it holds; over the cap: SandboxError 413. */
  capture(id: string, keep: string[]): Promise<{ archive: Buffer; files: number }> {
    return this.#turn(id, async () => {
      const temp = tempNames();
      try {
        await this.#writeKeep(id, temp, keep);
        const [files, size] = await this.#run(id, captureScript(temp), 'Capturing');
        const cap = this.options.maxBytes;
        if (size > cap) throw new SandboxError(`The sandbox's state is ${over(size, cap)} compressed, over the ${mb(cap)} a version may keep (SANDBOX_STATE_MAX_MB).`, 413);
        const archive = await this.provider.readFile(id, temp.archive, { maxBytes: cap }).catch((error: unknown) => {
          if ((error as { status?: number }).status !== 413) throw error;
          throw new SandboxError(`The sandbox's state grew past the ${mb(cap)} a version may keep (SANDBOX_STATE_MAX_MB) while it was read.`, 413);
        });
        return { archive, files };
      } finally {
        await this.#clean(id, temp);
      }
    });
  }

  /** Puts the state of `archive` back: the app's server stopped first, everything not kept replaced. */
  async restore(id: string, archive: Buffer, keep: string[]): Promise<{ files: number }> {
    if (archive.length > this.options.maxBytes) {
      throw new SandboxError(`The saved state is ${over(archive.length, this.options.maxBytes)}, over the ${mb(this.options.maxBytes)} a sandbox takes back (SANDBOX_STATE_MAX_MB).`, 413);
    }
    if (archive[0] !== 0x1f || archive[1] !== 0x8b) throw new SandboxError('The saved state is not a gzip archive.', 400);
    return this.#turn(id, async () => {
      await this.options.stopServer(id);
      const temp = tempNames();
      try {
        await this.#writeKeep(id, temp, keep);
        await this.provider.writeFiles(id, [{ path: temp.archive, content: archive }]);
        const [files] = await this.#run(id, restoreScript(temp), 'Restoring');
        return { files };
      } finally {
        await this.#clean(id, temp);
      }
    });
  }

  #writeKeep(id: string, temp: Temp, keep: string[]) {
    const names = [...keep, temp.keep, temp.archive, temp.all, temp.list];
    return this.provider.writeFiles(id, [{ path: temp.keep, content: Buffer.from(names.map((name) => `${name}\0`).join('')) }]);
  }

  /** Runs the command, bounded; its result line's numbers, or a SandboxError with what went wrong. */
  async #run(id: string, script: string, what: string): Promise<[number, number]> {
    let output = '';
    const result = await this.provider.exec(id, script, { timeoutMs: this.options.timeoutMs, onOutput: (chunk) => (output = (output + chunk).slice(-4000)) });
    if (result.timedOut) throw new SandboxError(`${what} the sandbox's state took longer than ${Math.round(this.options.timeoutMs / 1000)} s.`, 504);
    const found = RESULT.exec(output);
    if (result.exitCode !== 0 || !found) {
      // tar's own last word ("Exiting with failure status") says less than the line before it.
      const last = output.trim().split('\n').filter((line) => !RESULT.test(line) && !/Exiting with failure status/.test(line)).slice(-1)[0] ?? '';
      // tar refusing a member while restoring is the archive's fault (400); anything else the sandbox's (500).
      const archiveFault = what === 'Restoring' && /^tar: /.test(last);
      throw new SandboxError(`${what} the sandbox's state failed${last ? `: ${last.slice(0, 300)}` : ` (exit code ${result.exitCode})`}.`, archiveFault ? 400 : 500);
    }
    return [Number(found[1]), Number(found[2] ?? 0)];
  }

  async #clean(id: string, temp: Temp) {
    await this.provider.removePaths(id, Object.values(temp)).catch(() => {});
  }

  #turn<T>(id: string, work: () => Promise<T>): Promise<T> {
    const previous = this.#turns.get(id) ?? Promise.resolve();
    const next = previous.catch(() => {}).then(work);
    this.#turns.set(id, next);
    void next.finally(() => this.#turns.get(id) === next && this.#turns.delete(id)).catch(() => {});
    return next;
  }
}
