import type { GitHttpRequest, GitHttpResponse, HttpClient } from 'isomorphic-git';
import { GitRemoteError } from './smart-http-push.server';

/**
 * The HTTP client isomorphic-git fetches with on the server (Web fetch, so it runs on Node and on
 * Cloudflare alike). It holds the policy that keeps a token where it belongs: requests go only to
 * the repository's own origin (GITHUB_URL's), redirects are not followed (a redirect could carry
 * the Authorization header elsewhere), and what comes down is capped so that a huge repository
 * cannot fill the server's memory.
 */
export interface GitHttpOptions {
  /** The only origin requests may go to. */
  origin: string;
  /** `Basic …` for git's smart HTTP, or none for a public repository. */
  authorization?: string;
  maxBytes: number;
  signal?: AbortSignal;
  fetchImpl?: typeof fetch;
}

export class FetchTooLargeError extends GitRemoteError {
  constructor(maxBytes: number) {
    super(`The repository is larger than this server fetches (${Math.round(maxBytes / 1_000_000)} MB, GITHUB_FETCH_MAX_MB).`, 413, 'remote');
  }
}

async function collect(body: AsyncIterableIterator<Uint8Array> | undefined): Promise<Uint8Array | undefined> {
  if (!body) return undefined;
  const parts: Uint8Array[] = [];
  for await (const part of body) parts.push(part);
  const out = new Uint8Array(parts.reduce((n, part) => n + part.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

export function gitHttpClient({ origin, authorization, maxBytes, signal, fetchImpl = fetch }: GitHttpOptions): HttpClient & { readonly exceeded: boolean } {
  let received = 0;
  return {
    get exceeded() {
      return received > maxBytes;
    },
    async request({ url, method = 'GET', headers = {}, body }: GitHttpRequest): Promise<GitHttpResponse> {
      if (new URL(url).origin !== origin) throw new GitRemoteError(`git tried to reach ${new URL(url).origin}, which is not the repository's host.`, 502);
      const response = await fetchImpl(url, {
        method,
        headers: { ...headers, ...(authorization ? { Authorization: authorization } : {}) },
        body: (await collect(body)) as BodyInit | undefined,
        redirect: 'manual',
        signal,
      }).catch((error: unknown) => {
        if (signal?.aborted) throw error;
        throw new GitRemoteError(`Could not reach the git server: ${(error as Error).message}.`, 502);
      });
      if (response.status >= 300 && response.status < 400) throw new GitRemoteError(`The git server redirected elsewhere (${response.status}); redirects are not followed.`, 502);
      const reader = response.body?.getReader();
      async function* chunks(): AsyncIterableIterator<Uint8Array> {
        if (!reader) return;
        for (;;) {
          const { done, value } = await reader.read();
          if (done) return;
          received += value.length;
          if (received > maxBytes) {
            await reader.cancel().catch(() => {});
            throw new FetchTooLargeError(maxBytes);
          }
          yield value;
        }
      }
      return {
        url,
        method,
        statusCode: response.status,
        statusMessage: response.statusText,
        headers: Object.fromEntries(response.headers.entries()),
        body: chunks(),
      };
    },
  };
}
