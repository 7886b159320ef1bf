import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { createProxyServer } from 'http-proxy-3';
import { describeError, logConnectionError } from '../http/connection-errors.server';
import { reporterScript } from '../problems/preview-reporter';
import type { SandboxService } from './sandbox-service.server';
import {
  FRAMEABLE_HEADERS,
  isPageRequest as isPage,
  MAX_INJECTED_PAGE,
  PAGE_HEADERS,
  pageHtml,
  previewCookies,
  notRunningPage,
  previewTargetFor,
  previewTokenOf,
  UNFRAMEABLE_HEADERS,
  unreachablePage,
  withoutSessionCookie,
  withReporterScript,
  type PreviewPage,
} from './preview-rules';

/**
 * Serves previews on the app's own origin as http://<token>.<preview host>/: forwards to the
 * sandbox's port (Local) or to Daytona's preview URL with its token headers, passes WebSocket
 * upgrades (Vite HMR), and adds the headers that let the workbench frame it under COEP.
 */
export interface PreviewProxyOptions {
  /** e.g. "localhost:5173" or "preview.example.com" */
  previewHost: string;
  /** The app's session cookie: never forwarded to a sandbox. */
  sessionCookieName: string;
  /**
   * The workbench's host (e.g. "localhost:5173", or APP_HOST): the only parent the problem
   * reporter in owner previews talks to. Absent: no reporter is injected.
   */
  appHost?: string;
}

export function createPreviewProxy(service: SandboxService, options: PreviewProxyOptions) {
  const proxy = createProxyServer({ changeOrigin: true, ws: true, proxyTimeout: 120_000 });

  // Without a listener of ours, http-proxy-3 rethrows socket errors (a reset WebSocket) and the
  // server dies. An error costs only its own connection.
  proxy.on('error', (error, _req, res) => {
    logConnectionError('preview proxy', error);
    if (res && 'writeHead' in res) {
      if (!res.headersSent) page(res, notRunningPage());
      else res.destroy();
    } else res?.destroy();
  });
  proxy.on('econnreset', (error) => logConnectionError('preview proxy', error));

  /** Owner preview page requests that get the problem reporter (their answers are handled here). */
  const reporting = new WeakSet<IncomingMessage>();

  proxy.on('proxyRes', (proxyRes, req, res) => {
    const cookies = proxyRes.headers['set-cookie'];
    if (cookies) proxyRes.headers['set-cookie'] = previewCookies(cookies, options.sessionCookieName);
    // The workbench must be able to frame the preview; the app's own framing rules would forbid it.
    for (const name of UNFRAMEABLE_HEADERS) delete proxyRes.headers[name];
    Object.assign(proxyRes.headers, FRAMEABLE_HEADERS);
    // The preview's host name is its token: never send it to the sites the preview calls.
    proxyRes.headers['referrer-policy'] ??= 'no-referrer';
    if (reporting.has(req)) withReporter(proxyRes, res as ServerResponse, options.appHost!);
  });

  const tokenOf = (req: IncomingMessage): string | null => previewTokenOf(req.headers.host, options.previewHost);

  const forwardHeaders = (req: IncomingMessage, extra: Record<string, string>) => {
    const cookie = withoutSessionCookie(req.headers.cookie, options.sessionCookieName);
    if (cookie) req.headers.cookie = cookie;
    else delete req.headers.cookie;
    return { ...extra, 'x-forwarded-host': req.headers.host ?? '', 'x-forwarded-proto': 'http' };
  };

  const target = (token: string) => previewTargetFor(service, token);

  /** Express-style middleware: handles preview hosts, passes everything else on. */
  async function handle(req: IncomingMessage, res: ServerResponse, next: () => void) {
    const token = tokenOf(req);
    if (token === null) return next();
    try {
      const found = await target(token);
      if ('error' in found) return page(res, found.error!);
      // The owner's own preview pages report problems to the workbench; a share link's never do.
      const report = Boolean(options.appHost) && found.kind === 'owner' && isPageRequest(req);
      if (report) {
        reporting.add(req);
        req.headers['accept-encoding'] = 'identity';
      }
      proxy.web(req, res, { target: found.preview.url, agent: found.preview.agent, headers: forwardHeaders(req, found.preview.headers), selfHandleResponse: report }, (error) => {
        logConnectionError('preview proxy', error);
        if (!res.headersSent) page(res, notRunningPage());
        else res.destroy();
      });
    } catch (error) {
      console.warn(`preview proxy: ${describeError(error)}`);
      page(res, { status: 502, title: 'Preview unavailable', body: 'The sandbox could not be reached. Try again in a moment.' });
    }
  }

  /** For the HTTP server's 'upgrade' event. Returns false when the request is not for a preview. */
  function upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): boolean {
    const token = tokenOf(req);
    if (token === null) return false;
    void target(token).then(
      (found) => {
        if ('error' in found || socket.destroyed) return socket.destroy();
        proxy.ws(req, socket, head, { target: found.preview.url, agent: found.preview.agent, headers: forwardHeaders(req, found.preview.headers) }, (error) => {
          logConnectionError('preview websocket', error);
          socket.destroy();
        });
      },
      (error) => {
        logConnectionError('preview websocket', error);
        socket.destroy();
      },
    );
    return true;
  }

  return { handle, upgrade, isPreviewRequest: (req: IncomingMessage) => tokenOf(req) !== null };
}

function isPageRequest(req: IncomingMessage): boolean {
  return isPage(req.method ?? 'GET', req.headers['sec-fetch-dest'] as string | undefined, req.headers.accept);
}

/** Answers with the upstream response, the problem reporter put at the top of an HTML page. */
function withReporter(proxyRes: IncomingMessage, res: ServerResponse, appHost: string) {
  const status = proxyRes.statusCode ?? 502;
  const html = /text\/html/i.test(String(proxyRes.headers['content-type'] ?? ''));
  const encoded = (proxyRes.headers['content-encoding'] ?? 'identity') !== 'identity';
  if (!html || encoded) {
    res.writeHead(status, proxyRes.headers);
    proxyRes.pipe(res);
    return;
  }
  const chunks: Buffer[] = [];
  let size = 0;
  const passThrough = () => {
    // Too large to hold: sent as it is, without the reporter.
    proxyRes.removeListener('data', collect);
    proxyRes.removeListener('end', finish);
    res.writeHead(status, proxyRes.headers);
    for (const chunk of chunks) res.write(chunk);
    proxyRes.pipe(res);
  };
  const collect = (chunk: Buffer) => {
    chunks.push(chunk);
    size += chunk.length;
    if (size > MAX_INJECTED_PAGE) passThrough();
  };
  const finish = () => {
    const page = Buffer.concat(chunks).toString('utf8');
    const body = withReporterScript(page, reporterScript({ appHost, status }));
    const headers = { ...proxyRes.headers };
    delete headers['content-length'];
    delete headers['transfer-encoding'];
    res.writeHead(status, { ...headers, 'content-length': String(Buffer.byteLength(body)) });
    res.end(body);
  };
  proxyRes.on('data', collect);
  proxyRes.on('end', finish);
  proxyRes.on('error', () => res.destroy());
}

function page(res: ServerResponse, preview: PreviewPage) {
  res.writeHead(preview.status, PAGE_HEADERS);
  res.end(pageHtml(preview));
}
