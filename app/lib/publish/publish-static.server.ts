import type { ServerEnv } from '../env.server';
import { HttpError } from '../http/json-body.server';
import { redactSecrets } from '../http/redact';
import { NetlifyHost } from './netlify.server';
import type { PublishEvent, StaticHost } from './publish-api';
import { PUBLISH_LIMITS } from './publish-api';
import type { PublishHost } from './publish-host.server';
import { missingPublishToken, publishTokenFor } from './publish-tokens.server';
import { VercelHost } from './vercel.server';

export function publishHost(env: ServerEnv, host: StaticHost): PublishHost {
  return host === 'netlify' ? new NetlifyHost({ apiUrl: env.NETLIFY_API_URL }) : new VercelHost({ apiUrl: env.VERCEL_API_URL });
}

/**
 * Publishes a build output to a static host with the session's token (its pasted one, else the
 * operator's): progress is sent as it happens, `done` with the live URL last. The token is used
 * here only; the caller's stream scrubs it from every event as well.
 */
export async function publishStatic(
  env: ServerEnv,
  owner: string,
  input: { host: StaticHost; siteName: string; siteId?: string; files: Array<{ path: string; content: string }> },
  sendRaw: (event: PublishEvent) => void,
  signal: AbortSignal,
) {
  const { token, source } = publishTokenFor(env, owner, input.host);
  if (!token) throw new HttpError(401, missingPublishToken(input.host, source));
  // Whatever a host's answer echoed, no event carries the token, in any form redact.ts knows.
  const send = (event: PublishEvent) => sendRaw(JSON.parse(redactSecrets(JSON.stringify(event), [token])) as PublishEvent);
  const files = input.files.map((file) => ({ path: file.path, content: Uint8Array.from(Buffer.from(file.content, 'base64')) }));
  const bytes = files.reduce((sum, file) => sum + file.content.length, 0);
  if (bytes > PUBLISH_LIMITS.bytes) throw new HttpError(413, `The build output is ${Math.ceil(bytes / 1e6)} MB; a publish may send at most ${PUBLISH_LIMITS.bytes / 1e6} MB.`);
  send({ type: 'log', text: `Publishing ${files.length} file${files.length === 1 ? '' : 's'} (${Math.ceil(bytes / 1024)} KB) to ${input.host === 'netlify' ? 'Netlify' : 'Vercel'}…` });
  const result = await publishHost(env, input.host).publish({ token, siteName: input.siteName, siteId: input.siteId, files, onProgress: (event) => send(event), signal });
  send({ type: 'done', siteId: result.siteId, url: result.url, uploaded: result.uploaded, reused: result.reused });
  return result;
}
