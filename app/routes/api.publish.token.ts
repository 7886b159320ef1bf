import type { ActionFunctionArgs } from '@remix-run/node';
import * as z from 'zod/mini';
import { api, body, requireMethod } from '~/lib/http/api.server';
import { rateKey } from '~/lib/http/session.server';
import { HOSTS } from '~/lib/publish/publish-api';
import { checkPublishToken, publishTokenFor, sessionPublishTokens } from '~/lib/publish/publish-tokens.server';

const tokenRequest = z.strictObject({ host: z.enum(HOSTS), token: z.optional(z.string().check(z.maxLength(300))) });

/** PUT {host, token}: keep a pasted Netlify or Vercel token for this session (server memory only). DELETE {host}: forget it. Answers which token publishing there now uses, never the token. */
export function action({ request, context }: ActionFunctionArgs) {
  return api(request, context, async (session) => {
    requireMethod(request, 'PUT', 'DELETE');
    const input = await body(request, tokenRequest, 2_000);
    if (request.method === 'DELETE') {
      sessionPublishTokens[input.host].delete(session.owner);
    } else {
      // Pastes hold server memory for hours: counted with GitHub's, per session and per address.
      await context.limits.take('githubToken', rateKey(session, context.clientIp), context.clientIp);
      sessionPublishTokens[input.host].set(session.owner, checkPublishToken(input.host, input.token ?? ''));
    }
    return { source: publishTokenFor(context.env, session.owner, input.host).source };
  });
}
