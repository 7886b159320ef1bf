import { GitRemoteError } from './smart-http-push.server';
import type { RepoRef } from './repo-url';

/**
 * The two GitHub REST calls the app makes (a repository's facts, opening a pull request), with
 * each way they fail as a sentence. The API base is GITHUB_API_URL (GitHub Enterprise: …/api/v3).
 */
export interface GitHubApi {
  apiUrl: string;
  token?: string;
  fetchImpl?: typeof fetch;
}

async function call<T>(api: GitHubApi, method: string, path: string, what: string, body?: unknown): Promise<T> {
  const response = await (api.fetchImpl ?? fetch)(`${api.apiUrl.replace(/\/+$/, '')}${path}`, {
    method,
    headers: {
      Accept: 'application/vnd.github+json',
      'X-GitHub-Api-Version': '2022-11-28',
      'User-Agent': 'appforge',
      ...(api.token ? { Authorization: `Bearer ${api.token}` } : {}),
      ...(body ? { 'Content-Type': 'application/json' } : {}),
    },
    body: body ? JSON.stringify(body) : undefined,
  }).catch((error: unknown) => {
    throw new GitRemoteError(`Could not reach the GitHub API while ${what}: ${(error as Error).message}.`);
  });
  const text = await response.text();
  let json: { message?: string; errors?: Array<{ message?: string; code?: string; field?: string }> } & Record<string, unknown> = {};
  try {
    json = text ? JSON.parse(text) : {};
  } catch {
    // A proxy's HTML page: the status says enough.
  }
  if (response.ok) return json as T;
  const remaining = response.headers.get('x-ratelimit-remaining');
  if ((response.status === 403 || response.status === 429) && (remaining === '0' || /rate limit/i.test(json.message ?? ''))) {
    const reset = Number(response.headers.get('x-ratelimit-reset'));
    const at = Number.isFinite(reset) && reset > 0 ? ` until ${new Date(reset * 1000).toISOString().slice(11, 16)} UTC` : '';
    throw new GitRemoteError(`GitHub's API rate limit is used up${at} while ${what}. Try again then${api.token ? '' : ', or add a GitHub token (its limit is higher)'}.`, 429, 'remote');
  }
  if (response.status === 401) throw new GitRemoteError(`GitHub refused the token while ${what} (${json.message ?? 'bad credentials'}): check that it is valid and not expired.`, 401, 'auth');
  if (response.status === 403) throw new GitRemoteError(`GitHub did not allow ${what} (${json.message ?? 'forbidden'}): the token needs "Pull requests: read and write" on this repository.`, 403, 'auth');
  if (response.status === 404) throw new GitRemoteError(`GitHub did not find the repository while ${what} (private repositories need a token that can see them).`, 404, 'not-found');
  const details = json.errors?.map((e) => e.message ?? [e.field, e.code].filter(Boolean).join(' ')).filter(Boolean).join('; ');
  throw new GitRemoteError(`GitHub answered ${response.status} while ${what}: ${json.message ?? 'no message'}${details ? ` (${details})` : ''}.`, response.status === 422 ? 422 : 502, 'remote');
}

export interface RepoFacts {
  defaultBranch: string;
  private: boolean;
  canPush: boolean;
}

export async function getRepo(api: GitHubApi, ref: RepoRef): Promise<RepoFacts> {
  const repo = await call<{ default_branch?: string; private?: boolean; permissions?: { push?: boolean } }>(api, 'GET', `/repos/${ref.owner}/${ref.repo}`, 'reading the repository');
  return { defaultBranch: repo.default_branch ?? 'main', private: Boolean(repo.private), canPush: Boolean(repo.permissions?.push) };
}

export async function createPullRequest(api: GitHubApi, ref: RepoRef, pull: { title: string; body: string; head: string; base: string }): Promise<{ url: string; number: number }> {
  const created = await call<{ html_url?: string; number?: number }>(api, 'POST', `/repos/${ref.owner}/${ref.repo}/pulls`, 'opening the pull request', pull);
  if (!created.html_url) throw new GitRemoteError('GitHub did not say where the pull request is.');
  return { url: created.html_url, number: created.number ?? 0 };
}
