import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { createProxyServer } from 'http-proxy-3';
import { describeError, logConnectionError } from '../http/connection-errors.server';
import { reporterScript } from '../problems/preview-reporter';
import type { SandboxService } from './sandbox-service.server';

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

/** HTML pages larger than this are passed through without the problem reporter. */
const MAX_INJECTED_PAGE = 5_000_000;

const FRAMEABLE_HEADERS: Record<string, string> = {
  'cross-origin-resource-policy': 'cross-origin',
  'cross-origin-embedder-policy': 'credentialless',
};

export function createPreviewProxy(service: SandboxService, options: PreviewProxyOptions) {
  const suffix = `.${options.previewHost.toLowerCase()}`;
  const proxy = createProxyServer({ changeOrigin: true, ws: true, proxyTimeout: 120_000 });

  // Without a listener of ours, http-proxy-3 rethrows socket errors (a reset WebSocket) and the
  // server dies. An error costs only its own connection.
  proxy.on('error', (error, _req, res) => {
    logConnectionError('preview proxy', error);
    if (res && 'writeHead' in res) {
      if (!res.headersSent) page(res, notRunning());
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
    delete proxyRes.headers['x-frame-options'];
    delete proxyRes.headers['cross-origin-opener-policy'];
    Object.assign(proxyRes.headers, FRAMEABLE_HEADERS);
    // The preview's host name is its token: never send it to the sites the preview calls.
    proxyRes.headers['referrer-policy'] ??= 'no-referrer';
    if (reporting.has(req)) withReporter(proxyRes, res as ServerResponse, options.appHost!);
  });

  const tokenOf = (req: IncomingMessage): string | null => {
    const host = (req.headers.host ?? '').toLowerCase();
    if (!host.endsWith(suffix)) return null;
    const token = host.slice(0, -suffix.length);
    return token && !token.includes('.') ? token : null;
  };

  const forwardHeaders = (req: IncomingMessage, extra: Record<string, string>) => {
    const cookie = stripCookie(req.headers.cookie, options.sessionCookieName);
    if (cookie) req.headers.cookie = cookie;
    else delete req.headers.cookie;
    return { ...extra, 'x-forwarded-host': req.headers.host ?? '', 'x-forwarded-proto': 'http' };
  };

  const target = async (token: string) => {
    const resolution = await service.resolve(token);
    if (!resolution.ok) return { error: resolution.status === 410 ? gone() : notFound() };
    const preview = await service.previewTarget(resolution.sandboxId);
    if (!preview) return { error: notRunning() };
    return { preview, kind: resolution.kind };
  };

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
        if (!res.headersSent) page(res, notRunning());
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

/** A top-level page load in the preview frame (not a script, an image or a fetch). */
function isPageRequest(req: IncomingMessage): boolean {
  if (req.method !== 'GET') return false;
  const dest = req.headers['sec-fetch-dest'];
  if (dest) return dest === 'iframe' || dest === 'document';
  return /text\/html/.test(req.headers.accept ?? '');
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
    const script = reporterScript({ appHost, status });
    const head = /<head(\s[^>]*)?>/i.exec(page) ?? /<html(\s[^>]*)?>/i.exec(page);
    const body = head ? page.slice(0, head.index + head[0].length) + script + page.slice(head.index + head[0].length) : script + page;
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

/**
 * Cookies a preview sets stay its own: the Domain attribute is removed (host-only to the preview's
 * host, never the app's or a parent domain's), and none may bear the app's session cookie name.
 */
export function previewCookies(cookies: string[], sessionCookieName: string): string[] {
  const base = sessionCookieName.replace(/^__Host-/, '');
  return cookies
    .filter((cookie) => {
      const name = cookie.split('=')[0].trim();
      return name.replace(/^__(Host|Secure)-/, '') !== base;
    })
    .map((cookie) =>
      cookie
        .split(';')
        .filter((attribute) => !/^\s*domain\s*=/i.test(attribute))
        .join(';'),
    );
}

function stripCookie(header: string | undefined, name: string) {
  if (!header) return '';
  return header
    .split(';')
    .map((part) => part.trim())
    .filter((part) => part && !part.startsWith(`${name}=`))
    .join('; ');
}

interface Page {
  status: number;
  title: string;
  body: string;
  refresh?: boolean;
}

const notFound = (): Page => ({ status: 404, title: 'No such preview', body: 'This preview link is not valid. Ask whoever shared it for a new one.' });
const gone = (): Page => ({ status: 410, title: 'This link has expired', body: 'The share link has expired or was revoked. Ask whoever shared it for a new one.' });
const notRunning = (): Page => ({ status: 502, title: 'The app is not running yet', body: 'The sandbox is up, but nothing answers on its port yet. This page retries by itself.', refresh: true });

function page(res: ServerResponse, { status, title, body, refresh }: Page) {
  res.writeHead(status, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store', ...FRAMEABLE_HEADERS });
  res.end(
    `<!doctype html><html lang="en"><meta charset="utf-8"><meta name="color-scheme" content="light dark">${refresh ? '<meta http-equiv="refresh" content="2">' : ''}<title>${title}</title>` +
      `<body style="font:15px system-ui;display:grid;place-items:center;min-height:90vh;margin:0;text-align:center"><div><h1 style="font-size:1.2em">${title}</h1><p style="color:#6b7280">${body}</p></div></body></html>`,
  );
}
