/**
 * Pushes one new branch over git's smart HTTP protocol, from the server, with a pack the sandbox
 * made. This is how the GitHub token stays out of sandboxes: the sandbox commits and packs (no
 * credentials needed), the server sends the pack with the token in its own request. Two requests:
 * the ref advertisement (GET info/refs?service=git-receive-pack), then the update command and the
 * pack (POST git-receive-pack), whose report-status says what the remote did. Web APIs only.
 */
import { HttpError } from '../http/json-body.server';

/** A git server or GitHub refused or failed; the message is for the user. */
export class GitRemoteError extends HttpError {
  override name = 'GitRemoteError';
  constructor(
    message: string,
    status = 502,
    /** What went wrong, for callers that act on it (tests, retries). */
    readonly kind: 'auth' | 'not-found' | 'rejected' | 'exists' | 'remote' = 'remote',
  ) {
    super(status, message);
  }
}

const ZERO = '0'.repeat(40);
const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** A pkt-line: 4 hex digits of length (including themselves), then the payload. */
function pktLine(text: string): Uint8Array {
  const payload = encoder.encode(text);
  return encoder.encode((payload.length + 4).toString(16).padStart(4, '0') + text);
}

/** The payloads of a run of pkt-lines (flush packets as null). */
export function readPktLines(bytes: Uint8Array): Array<string | null> {
  const lines: Array<string | null> = [];
  let at = 0;
  while (at + 4 <= bytes.length) {
    const length = Number.parseInt(decoder.decode(bytes.subarray(at, at + 4)), 16);
    if (!Number.isFinite(length)) break;
    if (length === 0) {
      lines.push(null);
      at += 4;
      continue;
    }
    if (length < 4 || at + length > bytes.length) break;
    lines.push(decoder.decode(bytes.subarray(at + 4, at + length)));
    at += length;
  }
  return lines;
}

export function basicAuth(token: string): string {
  return `Basic ${btoa(`x-access-token:${token}`)}`;
}

function remoteError(status: number, what: string, hasToken: boolean): GitRemoteError {
  if (status === 401) return new GitRemoteError(hasToken ? `GitHub refused the token while ${what}: check that it is valid and not expired.` : `The repository needs a GitHub token for ${what}.`, 401, 'auth');
  if (status === 403) return new GitRemoteError(`The token may not push to this repository (${what} was refused): it needs write access ("Contents: read and write").`, 403, 'auth');
  if (status === 404) return new GitRemoteError(`The repository was not found while ${what} (or the token cannot see it).`, 404, 'not-found');
  return new GitRemoteError(`The git server answered ${status} while ${what}.`, 502);
}

/** The remote's branches (name → commit), read from the receive-pack advertisement. */
async function advertisedRefs(repoUrl: string, token: string | undefined, fetchImpl: typeof fetch): Promise<Map<string, string>> {
  const response = await fetchImpl(`${repoUrl}/info/refs?service=git-receive-pack`, {
    headers: { ...(token ? { Authorization: basicAuth(token) } : {}), 'User-Agent': 'git/appforge' },
  }).catch((error: unknown) => {
    throw new GitRemoteError(`Could not reach the git server: ${(error as Error).message}.`);
  });
  if (!response.ok) throw remoteError(response.status, 'reading the branches', Boolean(token));
  const refs = new Map<string, string>();
  for (const line of readPktLines(new Uint8Array(await response.arrayBuffer()))) {
    if (!line || line.startsWith('#')) continue;
    const [sha, name] = line.split('\0')[0].trim().split(' ');
    if (name?.startsWith('refs/')) refs.set(name, sha);
  }
  return refs;
}

/**
 * Creates `refs/heads/<branch>` at `commit` on the remote with `pack` (a thin pack of the
 * commits the remote lacks). Throws GitRemoteError with a sentence for each way it can fail.
 */
export async function pushNewBranch({ repoUrl, token, branch, commit, pack, fetchImpl = fetch }: { repoUrl: string; token?: string; branch: string; commit: string; pack: Uint8Array; fetchImpl?: typeof fetch }): Promise<void> {
  const ref = `refs/heads/${branch}`;
  const refs = await advertisedRefs(repoUrl, token, fetchImpl);
  if (refs.has(ref)) throw new GitRemoteError(`The branch ${branch} already exists on the remote.`, 409, 'exists');
  const command = pktLine(`${ZERO} ${commit} ${ref}\0report-status agent=appforge\n`);
  const body = new Uint8Array(command.length + 4 + pack.length);
  body.set(command, 0);
  body.set(encoder.encode('0000'), command.length);
  body.set(pack, command.length + 4);
  const response = await fetchImpl(`${repoUrl}/git-receive-pack`, {
    method: 'POST',
    headers: {
      ...(token ? { Authorization: basicAuth(token) } : {}),
      'Content-Type': 'application/x-git-receive-pack-request',
      Accept: 'application/x-git-receive-pack-result',
      'User-Agent': 'git/appforge',
    },
    body,
  }).catch((error: unknown) => {
    throw new GitRemoteError(`Could not reach the git server: ${(error as Error).message}.`);
  });
  if (!response.ok) throw remoteError(response.status, 'pushing', Boolean(token));
  const report = readPktLines(new Uint8Array(await response.arrayBuffer())).filter((line): line is string => line !== null).map((line) => line.replace(/\n$/, ''));
  const unpack = report.find((line) => line.startsWith('unpack '));
  if (unpack && unpack !== 'unpack ok') throw new GitRemoteError(`The git server could not take the commit (${unpack.slice(7)}).`, 502, 'rejected');
  const status = report.find((line) => line.startsWith(`ok ${ref}`) || line.startsWith(`ng ${ref}`));
  if (!status) throw new GitRemoteError('The git server did not say whether it took the branch.', 502);
  if (status.startsWith('ng ')) {
    const reason = status.slice(4 + ref.length) || 'no reason given';
    throw new GitRemoteError(`The push was rejected: ${reason}${/protect|rule|hook declined/i.test(reason) ? ' (a branch protection rule or a server hook refused it)' : ''}.`, 409, 'rejected');
  }
}
