/**
 * A static host a project's build output is published to (Netlify, Vercel), from the server: the
 * token never reaches the browser or a sandbox. Each host's client implements this against the
 * host's documented REST API: file digests first, then only the files the host lacks.
 */

export type HostName = 'netlify' | 'vercel';

export interface PublishFile {
  /** Relative to the build output's root, `/`-separated, already checked by the one path rule. */
  path: string;
  content: Uint8Array;
}

export type PublishProgress =
  | { type: 'log'; text: string }
  | { type: 'upload'; done: number; total: number; bytes: number }
  | { type: 'state'; state: string };

export interface PublishRequest {
  token: string;
  /** The site (Netlify) or project (Vercel) name the person asked for. */
  siteName: string;
  /** The site published to before (saved with the chat): the next publish updates it. */
  siteId?: string;
  files: PublishFile[];
  onProgress: (event: PublishProgress) => void;
  signal?: AbortSignal;
}

export interface PublishResult {
  siteId: string;
  deployId: string;
  /** The live URL. */
  url: string;
  /** Files the host already had (not uploaded again). */
  reused: number;
  uploaded: number;
}

export interface PublishHost {
  readonly name: HostName;
  publish(request: PublishRequest): Promise<PublishResult>;
}

/** What went wrong, typed for a sentence and a status; nothing of the chat changes. */
export type PublishErrorKind = 'token' | 'name-taken' | 'rate-limited' | 'upload' | 'not-found' | 'host';

export class PublishError extends Error {
  override name = 'PublishError';
  readonly expose = true;
  constructor(
    readonly kind: PublishErrorKind,
    message: string,
    readonly status = 502,
    /** Seconds to wait before trying again (a host's rate limit). */
    readonly retryAfter?: number,
  ) {
    super(message);
  }
}
