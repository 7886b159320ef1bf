import git from 'isomorphic-git';
import { createFsFromVolume, Volume } from 'memfs';
import { IMPORT_LIMITS, projectFromFiles, type ImportedProject, type IncomingFile } from '../projects/archive';
import { HttpError } from '../http/json-body.server';
import { FetchTooLargeError, gitHttpClient } from './git-http.server';
import { basicAuth, GitRemoteError } from './smart-http-push.server';

/**
 * A repository fetched by the server into memory (isomorphic-git over an in-memory file system),
 * for the GitHub flows. This is how the token stays out of sandboxes: git's network work happens
 * here, with the token in one request header sent only to the repository's host, and nothing the
 * repository holds can configure it (isomorphic-git reads no ~/.gitconfig, runs no hooks, filters
 * or remote helpers, and the working tree lives in memory, so a symlink in it reaches nothing).
 * Changes are committed here too, and pushed with smart-http-push.server.ts.
 */
export interface CheckoutOptions {
  url: string;
  branch?: string;
  /** A commit of that branch to check out (a pull request's base), found by deepening the history. */
  commit?: string;
  token?: string;
  maxBytes: number;
  signal?: AbortSignal;
  fetchImpl?: typeof fetch;
}

const DIR = '/work';
const GITDIR = '/repo.git';
const AUTHOR = { name: 'AppForge', email: 'appforge@users.noreply.github.com' };
/** How far back a pull request's base commit is looked for, in steps. */
const DEEPEN = [20, 200, 1000];
/** Fetches under way in this process at once (each downloads up to GITHUB_FETCH_MAX_MB into memory); more are refused with a 429. */
const MAX_AT_ONCE = 4;
let fetching = 0;

type Fs = ReturnType<typeof createFsFromVolume>;
type TreeEntry = { path: string; mode: string; oid: string; type: 'blob' | 'tree' | 'commit' };

/** What isomorphic-git's failures mean, as sentences (the clone's, in the words the sandbox clone used). */
function fetchFailure(error: unknown, hasToken: boolean, branch?: string): Error {
  if (error instanceof HttpError) return error;
  const { code, data, message } = error as { code?: string; data?: { statusCode?: number }; message?: string };
  const status = code === 'HttpError' ? data?.statusCode : undefined;
  if (status === 401 || (status === 403 && !hasToken)) {
    return new GitRemoteError(hasToken ? 'GitHub refused the token for this repository: check that it is valid and may read the repository.' : 'The repository is private or does not exist: add a GitHub token that can read it.', 401, 'auth');
  }
  if (status === 403) return new GitRemoteError('GitHub did not allow reading the repository with this token (forbidden, or its rate limit is used up).', 403, 'auth');
  if (status === 404) return new GitRemoteError('The repository was not found (or the token cannot see it).', 404, 'not-found');
  if (code === 'NotFoundError' && branch) return new GitRemoteError(`That branch does not exist in the repository (${branch}).`, 404, 'not-found');
  return new GitRemoteError(`Fetching the repository failed: ${String(message ?? error).slice(0, 300)}`, 502);
}

export class ServerCheckout {
  readonly #fs: Fs;
  readonly #cache = {};
  #checkedOut = false;

  private constructor(
    fs: Fs,
    readonly commit: string,
    readonly branch: string,
  ) {
    this.#fs = fs;
  }

  /** A shallow fetch of `branch` (the default branch when none), deepened until `commit` is there. */
  static async fetch({ url, branch, commit, token, maxBytes, signal, fetchImpl }: CheckoutOptions): Promise<ServerCheckout> {
    if (fetching >= MAX_AT_ONCE) throw new HttpError(429, `The server is fetching ${MAX_AT_ONCE} repositories already, the most it holds at once. Try again in a minute.`, { 'Retry-After': '30' });
    fetching++;
    try {
      return await ServerCheckout.#fetch({ url, branch, commit, token, maxBytes, signal, fetchImpl });
    } finally {
      fetching--;
    }
  }

  static async #fetch({ url, branch, commit, token, maxBytes, signal, fetchImpl }: CheckoutOptions): Promise<ServerCheckout> {
    const fs = createFsFromVolume(new Volume());
    const http = gitHttpClient({ origin: new URL(url).origin, authorization: token ? basicAuth(token) : undefined, maxBytes, signal, fetchImpl });
    const common = { fs, http, dir: DIR, gitdir: GITDIR, url, singleBranch: true, noTags: true };
    try {
      await git.clone({ ...common, ref: branch, depth: 1, noCheckout: true });
      let head = await git.resolveRef({ fs, gitdir: GITDIR, ref: 'HEAD' });
      const current = branch ?? (await git.currentBranch({ fs, gitdir: GITDIR })) ?? 'main';
      if (commit && commit !== head) {
        for (const depth of DEEPEN) {
          if (await hasCommit(fs, commit)) break;
          await git.fetch({ ...common, ref: current, depth, relative: false });
        }
        if (!(await hasCommit(fs, commit))) throw new GitRemoteError(`The commit this project was imported from is not in the last ${DEEPEN.at(-1)} commits of ${current} (was the branch force-pushed?).`, 409, 'not-found');
        head = commit;
      }
      return new ServerCheckout(fs, head, current);
    } catch (error) {
      if (signal?.aborted) throw new HttpError(499, 'The request was closed before it finished.');
      // isomorphic-git reports a cut-off pack in its own words: the cap is the cause.
      if (http.exceeded) throw new FetchTooLargeError(maxBytes);
      throw fetchFailure(error, Boolean(token), branch);
    }
  }

  /** Every entry of the checked-out commit's tree, recursively (blobs, symlinks, submodules). */
  async #entries(oid = this.commit): Promise<TreeEntry[]> {
    const out: TreeEntry[] = [];
    const walk = async (treeOid: string, prefix: string) => {
      const { tree } = await git.readTree({ fs: this.#fs, gitdir: GITDIR, oid: treeOid, cache: this.#cache });
      for (const entry of tree) {
        const path = `${prefix}${entry.path}`;
        if (entry.type === 'tree') await walk(entry.oid, `${path}/`);
        else out.push({ path, mode: entry.mode, oid: entry.oid, type: entry.type as TreeEntry['type'] });
      }
    };
    const { commit } = await git.readCommit({ fs: this.#fs, gitdir: GITDIR, oid, cache: this.#cache });
    await walk(commit.tree, '');
    return out;
  }

  /** The project's text files under the import caps, with what was left out and why (the zip import's rules). */
  async readProject(): Promise<ImportedProject> {
    const incoming: IncomingFile[] = [];
    for (const entry of await this.#entries()) {
      if (entry.type === 'commit') incoming.push({ path: entry.path, size: 0, refused: 'a submodule: not imported', read: async () => new Uint8Array() });
      else if (entry.mode === '120000') incoming.push({ path: entry.path, size: 0, symlink: true, read: async () => new Uint8Array() });
      else {
        let blob: Uint8Array | undefined;
        const read = async () => (blob ??= (await git.readBlob({ fs: this.#fs, gitdir: GITDIR, oid: entry.oid, cache: this.#cache })).blob);
        // A blob's size is known once it is read; past the file cap nothing more is read.
        incoming.push({ path: entry.path, size: incoming.length > IMPORT_LIMITS.files ? 0 : (await read()).length, read });
      }
    }
    return projectFromFiles(incoming, { keepTopFolder: true });
  }

  async #checkout() {
    if (this.#checkedOut) return;
    await this.#fs.promises.mkdir(DIR, { recursive: true });
    await git.checkout({ fs: this.#fs, dir: DIR, gitdir: GITDIR, ref: this.commit, force: true, cache: this.#cache });
    this.#checkedOut = true;
  }

  /**
   * Writes `files` over the working tree and removes `deleted`. A path into `.git` or through a
   * symbolic link of the repository's is refused (listed in the answer), so that nothing written
   * reaches the repository's own data.
   */
  async apply(files: Record<string, string>, deleted: string[]): Promise<string[]> {
    await this.#checkout();
    const refused: string[] = [];
    for (const [path, content] of Object.entries(files)) {
      if (!(await this.#writable(path))) refused.push(path);
      else {
        await this.#fs.promises.mkdir(`${DIR}/${path.split('/').slice(0, -1).join('/')}`, { recursive: true });
        await this.#fs.promises.writeFile(`${DIR}/${path}`, content);
      }
    }
    for (const path of deleted) {
      if (!(await this.#writable(path))) refused.push(path);
      else await this.#fs.promises.rm(`${DIR}/${path}`, { force: true });
    }
    return refused;
  }

  async #writable(path: string): Promise<boolean> {
    const parts = path.split('/');
    if (parts[0] === '.git') return false;
    for (let i = 1; i <= parts.length; i++) {
      const stat = await this.#fs.promises.lstat(`${DIR}/${parts.slice(0, i).join('/')}`).catch(() => null);
      if (!stat) return true;
      if (stat.isSymbolicLink()) return false;
    }
    return true;
  }

  /** Stages everything the way `git add --all` does (.gitignore kept) and lists the changes ("M path", "A path", "D path"); throws when nothing changed. */
  async stage(): Promise<string[]> {
    await this.#checkout();
    const changes: string[] = [];
    const common = { fs: this.#fs, dir: DIR, gitdir: GITDIR, cache: this.#cache };
    for (const [filepath, head, workdir, stage] of await git.statusMatrix(common)) {
      if (head === 1 && workdir === 1 && stage === 1) continue;
      if (workdir === 0) {
        await git.remove({ ...common, filepath });
        if (head === 1) changes.push(`D ${filepath}`);
      } else if (workdir === 2) {
        await git.add({ ...common, filepath });
        changes.push(`${head === 1 ? 'M' : 'A'} ${filepath}`);
      }
    }
    if (!changes.length) throw new HttpError(409, 'There is nothing to commit: the project is the same as the repository.');
    return changes.sort((a, b) => a.slice(2).localeCompare(b.slice(2)));
  }

  /** Commits what is staged on top of the checked-out commit (no hooks exist here). */
  async commitStaged(message: string): Promise<{ base: string; commit: string }> {
    const commit = await git.commit({ fs: this.#fs, dir: DIR, gitdir: GITDIR, message, author: AUTHOR, committer: AUTHOR, cache: this.#cache });
    return { base: this.commit, commit };
  }

  /** A pack of the objects `commit` adds to `base` (what a push of the new branch sends). */
  async pack(base: string, commit: string): Promise<Uint8Array> {
    const known = new Set((await this.#entries(base)).map((entry) => entry.oid));
    const trees = new Set<string>();
    const walkTrees = async (oid: string, into: Set<string>) => {
      into.add(oid);
      const { tree } = await git.readTree({ fs: this.#fs, gitdir: GITDIR, oid, cache: this.#cache });
      for (const entry of tree) if (entry.type === 'tree') await walkTrees(entry.oid, into);
    };
    const baseTrees = new Set<string>();
    await walkTrees((await git.readCommit({ fs: this.#fs, gitdir: GITDIR, oid: base })).commit.tree, baseTrees);
    await walkTrees((await git.readCommit({ fs: this.#fs, gitdir: GITDIR, oid: commit })).commit.tree, trees);
    const blobs = (await this.#entries(commit)).filter((entry) => entry.type === 'blob' && !known.has(entry.oid)).map((entry) => entry.oid);
    const oids = [commit, ...[...trees].filter((oid) => !baseTrees.has(oid)), ...new Set(blobs)];
    const { packfile } = await git.packObjects({ fs: this.#fs, gitdir: GITDIR, oids, cache: this.#cache });
    return packfile!;
  }
}

async function hasCommit(fs: Fs, oid: string): Promise<boolean> {
  try {
    await git.readCommit({ fs, gitdir: GITDIR, oid });
    return true;
  } catch {
    return false;
  }
}
