// Cloudflare: the Worker on the route `*.<PREVIEW_HOST>/*` that hands preview requests to the
// Pages deployment, for when the Pages project cannot take the wildcard host itself. It keeps the
// original host in a header the Pages function trusts only with the shared secret (without it,
// anyone could make the app's own origin serve a sandbox's page). HTTP and WebSocket alike.
import { FORWARDED_HOST_HEADER, FORWARDER_SECRET_HEADER } from '../app/lib/sandbox/preview-rules';

interface Env {
  /** The Pages deployment, e.g. https://appforge.pages.dev */
  PAGES_ORIGIN: string;
  /** The same value as the Pages project's PREVIEW_FORWARDER_SECRET. */
  PREVIEW_FORWARDER_SECRET: string;
}

export default {
  async fetch(request: Request, env: Env): Promise<Response> {
    const url = new URL(request.url);
    const headers = new Headers(request.headers);
    headers.set(FORWARDED_HOST_HEADER, url.host);
    headers.set(FORWARDER_SECRET_HEADER, env.PREVIEW_FORWARDER_SECRET);
    const target = new URL(url.pathname + url.search, env.PAGES_ORIGIN);
    // A WebSocket upgrade goes through as it is: the Pages function answers it with its relay.
    return fetch(target, { method: request.method, headers, body: request.body, redirect: 'manual' });
  },
};
