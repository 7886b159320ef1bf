// What a preview proxy does, whatever serves it (the Node server's http-proxy-3 proxy, or the
// Cloudflare Pages function's fetch proxy): which host is a preview, which headers go up and come
// back, where the problem reporter goes, and the pages it answers with itself. Web APIs only.
import type { SandboxService } from './sandbox-service.server';

/**
 * Cloudflare: the preview host's forwarding Worker (workers/preview-forwarder.ts) sends the
 * original host in this header, trusted only with the shared secret in the other.
 */
export const FORWARDED_HOST_HEADER = 'x-appforge-preview-host';
export const FORWARDER_SECRET_HEADER = 'x-appforge-forwarder';

/** HTML pages larger than this are passed through without the problem reporter. */
export const MAX_INJECTED_PAGE = 5_000_000;

/** What lets the workbench frame a preview under its COEP. */
export const FRAMEABLE_HEADERS: Readonly<Record<string, string>> = {
  'cross-origin-resource-policy': 'cross-origin',
  'cross-origin-embedder-policy': 'credentialless',
};

/** Response headers of the app that would stop the workbench from framing it. */
export const UNFRAMEABLE_HEADERS = ['x-frame-options', 'cross-origin-opener-policy'] as const;

/** The token of a preview host (`<token>.<preview host>`), or null for any other host. */
export function previewTokenOf(host: string | null | undefined, previewHost: string): string | null {
  const suffix = `.${previewHost.toLowerCase()}`;
  const name = (host ?? '').toLowerCase();
  if (!name.endsWith(suffix)) return null;
  const token = name.slice(0, -suffix.length);
  return token && !token.includes('.') ? token : null;
}

/** A top-level page load in the preview frame (not a script, an image or a fetch). */
export function isPageRequest(method: string, fetchDest: string | null | undefined, accept: string | null | undefined): boolean {
  if (method !== 'GET') return false;
  if (fetchDest) return fetchDest === 'iframe' || fetchDest === 'document';
  return /text\/html/.test(accept ?? '');
}

/** The page with the reporter script at the top of its head (or of the document). */
export function withReporterScript(page: string, script: string): string {
  const head = /<head(\s[^>]*)?>/i.exec(page) ?? /<html(\s[^>]*)?>/i.exec(page);
  return head ? page.slice(0, head.index + head[0].length) + script + page.slice(head.index + head[0].length) : script + page;
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

/** The request's cookies without the app's session cookie (never forwarded to a sandbox). */
export function withoutSessionCookie(header: string | null | undefined, name: string): string {
  if (!header) return '';
  return header
    .split(';')
    .map((part) => part.trim())
    .filter((part) => part && !part.startsWith(`${name}=`))
    .join('; ');
}

export interface PreviewPage {
  status: number;
  title: string;
  body: string;
  refresh?: boolean;
}

export const notFoundPage = (): PreviewPage => ({ status: 404, title: 'No such preview', body: 'This preview link is not valid. Ask whoever shared it for a new one.' });
export const gonePage = (): PreviewPage => ({ status: 410, title: 'This link has expired', body: 'The share link has expired or was revoked. Ask whoever shared it for a new one.' });
export const notRunningPage = (): PreviewPage => ({ status: 502, title: 'The app is not running yet', body: 'The sandbox is up, but nothing answers on its port yet. This page retries by itself.', refresh: true });
export const unreachablePage = (): PreviewPage => ({ status: 502, title: 'Preview unavailable', body: 'The sandbox could not be reached. Try again in a moment.' });

export const PAGE_HEADERS: Readonly<Record<string, string>> = { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store', ...FRAMEABLE_HEADERS };

export function pageHtml({ title, body, refresh }: PreviewPage): string {
  return (
    `<!doctype html><html lang="en"><meta charset="utf-8"><meta name="color-scheme" content="light dark">${refresh ? '<meta http-equiv="refresh" content="2">' : ''}<title>${title}</title>` +
    `<body style="font:15px system-ui;display:grid;place-items:center;min-height:90vh;margin:0;text-align:center"><div><h1 style="font-size:1.2em">${title}</h1><p style="color:#6b7280">${body}</p></div></body></html>`
  );
}

/** Where a preview token leads: the sandbox's preview target and whose link it is, or the page to answer with. */
export async function previewTargetFor(service: SandboxService, token: string) {
  const resolution = await service.resolve(token);
  if (!resolution.ok) return { error: resolution.status === 410 ? gonePage() : notFoundPage() };
  const preview = await service.previewTarget(resolution.sandboxId);
  if (!preview) return { error: notRunningPage() };
  return { preview, kind: resolution.kind };
}
