import type { AppLoadContext, EntryContext } from '@remix-run/server-runtime';
import { RemixServer } from '@remix-run/react';
import { isbot } from 'isbot';
// React's Web-streams renderer: the same entry serves the Node server and Cloudflare Pages (workerd).
import { renderToReadableStream } from 'react-dom/server.browser';

/** A page still streaming after this long is ended, so a stuck loader cannot hold a connection. */
const RENDER_TIMEOUT_MS = 5000;

export default async function handleRequest(request: Request, status: number, headers: Headers, remixContext: EntryContext, _loadContext: AppLoadContext) {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), RENDER_TIMEOUT_MS);
  let responseStatus = status;
  const body = await renderToReadableStream(<RemixServer context={remixContext} url={request.url} abortDelay={RENDER_TIMEOUT_MS} />, {
    signal: controller.signal,
    onError(error: unknown) {
      responseStatus = 500;
      if (!controller.signal.aborted) console.error(error);
    },
  });
  void body.allReady.then(() => clearTimeout(timer));
  // Crawlers get the whole page at once.
  if (isbot(request.headers.get('user-agent') ?? '')) await body.allReady;
  headers.set('Content-Type', 'text/html');
  return new Response(body, { headers, status: responseStatus });
}

// Cloudflare Pages' function (functions/[[path]].ts) builds the load context with these, from the
// same bundle as the routes (so the routes' error classes are the ones the services throw). Loaded
// on first use: the Node server never loads them.
const pages = () => import('./lib/edge/pages-load-context');
export const pagesServices = async (vars: Record<string, unknown>) => (await pages()).pagesServices(vars);
export const pagesPreview = async (request: Request, vars: Record<string, unknown>) => (await pages()).pagesPreview(request, vars);
export const pagesLoadContext = async (request: Request, vars: Record<string, unknown>) => (await pages()).pagesLoadContext(request, vars);
