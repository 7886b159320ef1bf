// Cloudflare Pages: every request goes through the Remix build made by `npm run build:cf`.
import { createPagesFunctionHandler } from '@remix-run/cloudflare-pages';
import type { ServerBuild } from '@remix-run/cloudflare';
import type { PagesFunction } from '@cloudflare/workers-types';
// @ts-ignore: made by `npm run build:cf` (absent until then, as in a fresh clone)
import * as serverBuild from '../build/cloudflare/server/index.js';
import { SECURITY_HEADERS } from '../app/lib/http/security-headers.server';

type Vars = Record<string, unknown>;
type PagesEntry = {
  pagesServices: (vars: Vars) => Promise<unknown>;
  pagesPreview: (request: Request, vars: Vars) => Promise<Response | null>;
  pagesLoadContext: (request: Request, vars: Vars) => Promise<unknown>;
};
const build = serverBuild as unknown as ServerBuild & { entry: { module: PagesEntry } };

const remix = createPagesFunctionHandler({
  build,
  mode: 'production',
  getLoadContext: ({ request, context }) => build.entry.module.pagesLoadContext(request, context.cloudflare.env as Record<string, unknown>) as never,
});

export const onRequest = async (context: Parameters<PagesFunction>[0]): Promise<Response> => {
  const { pathname } = new URL(context.request.url);
  const vars = context.env as Vars;
  let response: Response;
  try {
    // Made (and the configuration checked) here, where a failure can be told as it is.
    await build.entry.module.pagesServices(vars);
    // Preview hosts (<token>.<PREVIEW_HOST>) go to the sandbox, as they are: none of the app's headers.
    const preview = await build.entry.module.pagesPreview(context.request as unknown as Request, vars);
    if (preview) return preview;
    response = pathname === '/api/health' ? Response.json({ ok: true }) : await remix(context as never);
  } catch (error) {
    // A configuration the app cannot run with (e.g. the Local provider on Pages): say so, every time.
    const message = error instanceof Error ? error.message : String(error);
    console.error(message);
    response = new Response(`AppForge cannot start: ${message}\n`, { status: 500, headers: { 'content-type': 'text/plain; charset=utf-8' } });
  }
  // The same headers as the Node server's pages (WebContainer needs cross-origin isolation).
  const headers = new Headers(response.headers);
  for (const [name, value] of Object.entries(SECURITY_HEADERS)) if (!headers.has(name)) headers.set(name, value);
  return new Response(response.body, { status: response.status, statusText: response.statusText, headers, webSocket: (response as { webSocket?: unknown }).webSocket ?? null } as ResponseInit);
};
