import { HttpError } from './json-body.server';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * CSRF defence for the API: a request that changes something must come from the app's own pages
 * (Sec-Fetch-Site, else Origin, must say same origin; a preview or share page is same-site but
 * another origin, and is refused) and carry JSON, which a plain HTML form cannot send. Clients
 * that send neither header (curl, scripts) are not browsers and carry no one else's cookies.
 */
export function assertSameOriginJson(request: Request, appHost?: string) {
  if (SAFE_METHODS.has(request.method)) return;
  const site = request.headers.get('sec-fetch-site');
  if (site && site !== 'same-origin' && site !== 'none') throw new HttpError(403, 'Requests from other sites are refused.');
  const origin = request.headers.get('origin');
  if (origin) {
    let host = '';
    try {
      host = new URL(origin).host;
    } catch {
      // "null" or garbage: not this origin
    }
    // Behind a reverse proxy that rewrites Host, the app's public host (APP_HOST) is its origin too.
    if (host !== request.headers.get('host') && host !== appHost) throw new HttpError(403, 'Requests from other sites are refused.');
  }
  // A form always says what it sends; a body without a type is refused too.
  const type = request.headers.get('content-type');
  const hasBody = request.headers.get('content-length') !== null ? request.headers.get('content-length') !== '0' : request.headers.has('transfer-encoding');
  if ((type !== null || hasBody) && !/^application\/json\s*(;|$)/i.test(type ?? '')) throw new HttpError(415, 'Send the request body as JSON (Content-Type: application/json).');
}
