/**
 * GitHub repository addresses as people paste them, checked in one place (the browser shows the
 * same sentence the server answers with). Only repositories on the configured GitHub host are
 * accepted, so a pasted URL can never make a sandbox or the server fetch from anywhere else.
 */

export interface RepoRef {
  owner: string;
  repo: string;
  /** A branch named in the URL (…/tree/<branch>), if any. */
  branch?: string;
}

const NAME = /^[A-Za-z0-9_.-]{1,100}$/;
/** Git's own rules for ref names, the parts people use: no "..", no control characters, no "~^:?*[\\", no leading "-" or "/". */
const BRANCH = /^(?!-)(?!\/)(?!.*\.\.)(?!.*\/\/)(?!.*@\{)(?!.*\.lock$)(?!.*\/$)[^\s~^:?*[\\\x00-\x1f\x7f]{1,200}$/;

export function isBranchName(name: string): boolean {
  return BRANCH.test(name) && !name.endsWith('.');
}

/**
 * `https://github.com/owner/repo`, with or without `.git`, a trailing slash, `/tree/<branch>`;
 * `github.com/owner/repo`; or `owner/repo`. `githubUrl` is the web/git host (GITHUB_URL).
 */
export function parseRepoUrl(input: string, githubUrl = 'https://github.com'): { ok: true; ref: RepoRef } | { ok: false; reason: string } {
  const text = input.trim();
  if (!text) return { ok: false, reason: 'Paste a GitHub repository URL, such as https://github.com/owner/repo.' };
  if (text.length > 500) return { ok: false, reason: 'That URL is too long.' };
  const base = new URL(githubUrl);
  let rest: string;
  if (/^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+\/?$/.test(text)) rest = text;
  else {
    let url: URL;
    try {
      url = new URL(/^[a-z]+:\/\//i.test(text) ? text : `https://${text}`);
    } catch {
      return { ok: false, reason: `"${text.slice(0, 100)}" is not a URL.` };
    }
    // The scheme is ours (clones and pushes go to githubUrl), so http:// or https:// both name the repo.
    if (url.host !== base.host || !/^https?:$/.test(url.protocol)) return { ok: false, reason: `Only repositories on ${base.host} can be imported (${url.host} is not).` };
    if (url.username || url.password) return { ok: false, reason: 'Leave credentials out of the URL; add a GitHub token instead.' };
    rest = url.pathname.replace(/^\/+/, '');
  }
  const parts = rest.replace(/\/+$/, '').split('/');
  const [owner, rawRepo, kind, ...branchParts] = parts;
  const repo = rawRepo?.replace(/\.git$/, '');
  if (!owner || !repo || !NAME.test(owner) || !NAME.test(repo)) {
    return { ok: false, reason: 'A repository URL looks like https://github.com/owner/repo.' };
  }
  // "..", "." or a leading dot would make the clone or API URL climb out of the owner (../site → /site.git).
  if (owner.startsWith('.') || repo.startsWith('.')) return { ok: false, reason: 'Owner and repository names cannot start with a dot.' };
  if (kind === undefined) return { ok: true, ref: { owner, repo } };
  const branch = decodeURIComponent(branchParts.join('/'));
  if (kind !== 'tree' || !isBranchName(branch)) return { ok: false, reason: 'Use the repository\'s address (https://github.com/owner/repo), or …/tree/<branch> for a branch.' };
  return { ok: true, ref: { owner, repo, branch } };
}

/** The address git clones and pushes over HTTPS. */
export function cloneUrl(ref: RepoRef, githubUrl: string): string {
  return `${githubUrl.replace(/\/+$/, '')}/${ref.owner}/${ref.repo}.git`;
}

export function webUrl(ref: RepoRef, githubUrl: string): string {
  return `${githubUrl.replace(/\/+$/, '')}/${ref.owner}/${ref.repo}`;
}
