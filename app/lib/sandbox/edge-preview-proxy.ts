// Cloudflare Pages: the preview proxy on fetch and WebSocketPair (the Node server uses http-proxy-3,
// preview-proxy.server.ts). The same rules (preview-rules.ts): token hosts, header rules, the
// problem reporter in owner pages, the pages it answers with itself.
import { reporterScript } from '../problems/preview-reporter';
import { errorMessage } from '../error-message';
import {
  FORWARDED_HOST_HEADER,
  FORWARDER_SECRET_HEADER,
  FRAMEABLE_HEADERS,
  isPageRequest,
  MAX_INJECTED_PAGE,
  PAGE_HEADERS,
  pageHtml,
  previewCookies,
  previewTargetFor,
  previewTokenOf,
  UNFRAMEABLE_HEADERS,
  unreachablePage,
  withoutSessionCookie,
  withReporterScript,
  type PreviewPage,
} from './preview-rules';
import type { SandboxService } from './sandbox-service.server';
import { sameToken } from './tokens.server';

export interface EdgePreviewProxyOptions {
  previewHost: string;
  sessionCookieName: string;
  /** The only parent the problem reporter in owner previews talks to; absent: no reporter. */
  appHost?: string;
  /** Shared with the preview host's forwarding Worker: only requests carrying it may name another host. */
  forwarderSecret?: string;
}

/** Request headers that belong to this hop (or to Cloudflare), not to the sandbox. */
const HOP_HEADERS = ['host', 'connection', 'keep-alive', 'transfer-encoding', 'te', 'trailer', 'proxy-authorization', 'cf-connecting-ip', 'cf-ipcountry', 'cf-ray', 'cf-visitor', 'x-real-ip', FORWARDED_HOST_HEADER, FORWARDER_SECRET_HEADER];

/** The Workers runtime's WebSocket pair (absent from the DOM's types). */
declare const WebSocketPair: { new (): { 0: EdgeSocket; 1: EdgeSocket } };
interface EdgeSocket extends WebSocket {
  accept(): void;
}

export function createEdgePreviewProxy(service: SandboxService, options: EdgePreviewProxyOptions) {
  /** The answer for a preview host's request, or null when the request is not for a preview. */
  return async function handle(request: Request): Promise<Response | null> {
    const url = new URL(request.url);
    const host = hostOf(request, options.forwarderSecret);
    const token = previewTokenOf(host, options.previewHost);
    if (token === null) return null;
    try {
      const found = await previewTargetFor(service, token);
      if ('error' in found) return page(found.error!);
      // The request's path goes after the target's own (Daytona's preview URLs have one).
      const upstream = new URL(found.preview.url.replace(/\/+$/, '') + url.pathname + url.search);
      const headers = new Headers(request.headers);
      for (const name of HOP_HEADERS) headers.delete(name);
      const cookie = withoutSessionCookie(request.headers.get('cookie'), options.sessionCookieName);
      if (cookie) headers.set('cookie', cookie);
      else headers.delete('cookie');
      headers.set('x-forwarded-host', host);
      headers.set('x-forwarded-proto', url.protocol.replace(':', ''));
      for (const [name, value] of Object.entries(found.preview.headers)) headers.set(name, value);
      if (request.headers.get('upgrade')?.toLowerCase() === 'websocket') return await relayWebSocket(upstream, headers);
      // The owner's own preview pages report problems to the workbench; a share link's never do.
      const report = Boolean(options.appHost) && found.kind === 'owner' && isPageRequest(request.method, request.headers.get('sec-fetch-dest'), request.headers.get('accept'));
      if (report) headers.set('accept-encoding', 'identity');
      headers.delete('upgrade');
      const body = request.method === 'GET' || request.method === 'HEAD' ? undefined : request.body;
      const response = await fetch(upstream, { method: request.method, headers, body, redirect: 'manual' });
      const out = previewResponseHeaders(response.headers, options.sessionCookieName);
      if (report) return await withReporter(response, out, options.appHost!);
      return new Response(response.body, { status: response.status, statusText: response.statusText, headers: out });
    } catch (error) {
      console.warn(`preview proxy: ${errorMessage(error)}`);
      return page(unreachablePage());
    }
  };
}

/** The host the browser asked for: its own, or the one the forwarding Worker names when it proves itself with the secret. */
function hostOf(request: Request, forwarderSecret: string | undefined): string {
  const forwarded = request.headers.get(FORWARDED_HOST_HEADER);
  if (forwarded && forwarderSecret && sameToken(request.headers.get(FORWARDER_SECRET_HEADER) ?? '', forwarderSecret)) return forwarded;
  return request.headers.get('host') ?? new URL(request.url).host;
}

/** The sandbox's response headers as the browser gets them: frameable, its cookies its own, no Referer. */
export function previewResponseHeaders(upstream: Headers, sessionCookieName: string): Headers {
  const headers = new Headers(upstream);
  const cookies = upstream.getSetCookie();
  headers.delete('set-cookie');
  for (const cookie of previewCookies(cookies, sessionCookieName)) headers.append('set-cookie', cookie);
  for (const name of UNFRAMEABLE_HEADERS) headers.delete(name);
  for (const [name, value] of Object.entries(FRAMEABLE_HEADERS)) headers.set(name, value);
  // The preview's host name is its token: never send it to the sites the preview calls.
  if (!headers.has('referrer-policy')) headers.set('referrer-policy', 'no-referrer');
  return headers;
}

async function withReporter(response: Response, headers: Headers, appHost: string): Promise<Response> {
  const html = /text\/html/i.test(headers.get('content-type') ?? '');
  const encoded = (headers.get('content-encoding') ?? 'identity') !== 'identity';
  const size = Number(headers.get('content-length') ?? 0);
  if (!html || encoded || size > MAX_INJECTED_PAGE) return new Response(response.body, { status: response.status, headers });
  const text = await response.text();
  if (text.length > MAX_INJECTED_PAGE) return new Response(text, { status: response.status, headers });
  headers.delete('content-length');
  return new Response(withReporterScript(text, reporterScript({ appHost, status: response.status })), { status: response.status, headers });
}

/** Opens the sandbox's WebSocket (Vite HMR) and relays messages both ways; either side closing closes the other. */
async function relayWebSocket(upstream: URL, headers: Headers): Promise<Response> {
  headers.set('upgrade', 'websocket');
  const response = await fetch(upstream, { headers });
  const remote = (response as Response & { webSocket?: EdgeSocket | null }).webSocket;
  if (!remote) return new Response('The sandbox did not accept the WebSocket.', { status: 502 });
  remote.accept();
  const pair = new WebSocketPair();
  const [client, server] = [pair[0], pair[1]];
  server.accept();
  const relay = (from: EdgeSocket, to: EdgeSocket) => {
    from.addEventListener('message', (event) => {
      try {
        to.send((event as MessageEvent).data);
      } catch {
        from.close(1011, 'relay failed');
      }
    });
    from.addEventListener('close', (event) => {
      try {
        to.close((event as CloseEvent).code === 1005 ? 1000 : (event as CloseEvent).code, (event as CloseEvent).reason);
      } catch {
        // already closed
      }
    });
    from.addEventListener('error', () => {
      try {
        to.close(1011, 'the other side failed');
      } catch {
        // already closed
      }
    });
  };
  relay(server, remote);
  relay(remote, server);
  const protocol = response.headers.get('sec-websocket-protocol');
  return new Response(null, { status: 101, webSocket: client, headers: protocol ? { 'sec-websocket-protocol': protocol } : {} } as ResponseInit);
}

function page(preview: PreviewPage): Response {
  return new Response(pageHtml(preview), { status: preview.status, headers: PAGE_HEADERS });
}
