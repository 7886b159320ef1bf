import { SandboxError } from '../sandbox/sandbox-provider.server';
import { shellQuote } from '../sandbox/shell-quote';

/**
 * Git as it runs inside a sandbox: the commands (the same for every provider that runs shell
 * commands) and the sentences for what goes wrong. Every value put into a command is quoted.
 * Hooks are off (`core.hooksPath=/dev/null`) so that a repository's or an app's own scripts do not
 * run as a side effect of committing, and no credential helper is asked.
 */

export { shellQuote };

export const GIT = 'git -c core.hooksPath=/dev/null -c credential.helper= -c advice.detachedHead=false -c init.defaultBranch=main';

export interface CloneOptions {
  /** The repository's address, built by the server from a checked owner/repo (never a pasted URL). */
  url: string;
  branch?: string;
  /** A commit of that branch to check out (a pull request's base) when it is not the tip any more. */
  commit?: string;
  /** Given to this one clone only, never stored in the sandbox (its .git/config keeps the plain URL). */
  token?: string;
  /** History to fetch (default 1: the files, not the past). */
  depth?: number;
}

/**
 * The shell command that clones into the current (empty) folder. A token arrives on stdin as the
 * Authorization header's value, so it is neither in the command line nor in the sandbox's files.
 */
export function cloneCommand({ url, branch, commit, token, depth = 1 }: CloneOptions): string {
  const origin = new URL(url).origin;
  const auth = token ? `IFS= read -r AUTH && export GIT_CONFIG_COUNT=1 GIT_CONFIG_KEY_0=${shellQuote(`http.${origin}/.extraHeader`)} GIT_CONFIG_VALUE_0="Authorization: $AUTH" && ` : '';
  const steps = [`${auth}export GIT_TERMINAL_PROMPT=0`, `${GIT} clone --quiet --single-branch --depth ${depth}${branch ? ` --branch ${shellQuote(branch)}` : ''} -- ${shellQuote(url)} .`];
  if (commit) {
    steps.push(`{ [ "$(git rev-parse HEAD)" = ${shellQuote(commit)} ] || { ${GIT} fetch --quiet --depth ${depth} origin ${shellQuote(commit)} && ${GIT} checkout --quiet ${shellQuote(commit)}; }; }`);
  }
  return steps.join(' && ');
}

/** What a failed clone's output means, as a sentence (git's last words kept, never a token). */
export function cloneFailure(output: string, hasToken: boolean): SandboxError {
  const text = output.replace(/Authorization: \S+ \S+/g, 'Authorization: [hidden]');
  const last = text.trim().split('\n').filter((line) => !/^npm warn/i.test(line)).slice(-2).join(' ').slice(0, 300);
  if (/\bgit: (not found|command not found)/.test(text)) return new SandboxError('git is not installed where the sandbox runs (Local sandboxes use the host\'s /usr: apt-get install git).', 501);
  if (/Authentication failed|could not read Username|terminal prompts disabled|401/i.test(text)) {
    return new SandboxError(hasToken ? 'GitHub refused the token for this repository: check that it is valid and may read the repository.' : 'The repository is private or does not exist: add a GitHub token that can read it.', 401);
  }
  if (/Repository not found|not found|404/i.test(text) && !/Remote branch/i.test(text)) return new SandboxError('The repository was not found (or the token cannot see it).', 404);
  if (/Remote branch .* not found/i.test(text)) return new SandboxError(`That branch does not exist in the repository (${last}).`, 404);
  if (/not our ref|unadvertised object|reference is not a tree/i.test(text)) return new SandboxError('The commit this project was imported from is no longer in the repository (was its branch force-pushed?).', 409);
  if (/Could not resolve host|Failed to connect|Connection refused|timed out/i.test(text)) return new SandboxError(`The sandbox could not reach the git server (${last}).`, 502);
  return new SandboxError(`git clone failed: ${last || 'no output'}`, 502);
}
