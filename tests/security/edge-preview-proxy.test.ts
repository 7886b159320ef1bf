// The Cloudflare Pages preview proxy's rules, as attacks: a preview trying to take the app's
// session cookie (forwarded, or set), to be framed with the app's own rules, or to learn its
// token through Referer; share links getting the owner's reporter. Runs the proxy on Node's
// fetch against a loopback "sandbox" (the WebSocket relay needs workerd: tests/e2e/pages.test.ts).
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEdgePreviewProxy } from '~/lib/sandbox/edge-preview-proxy';
import type { SandboxService } from '~/lib/sandbox/sandbox-service.server';

const OWNER = 'a'.repeat(32);
const SHARE = 'b'.repeat(32);
const REVOKED = 'c'.repeat(32);
let upstream: Server;
let base = '';
const seen: Array<{ url: string; headers: IncomingHttpHeaders }> = [];

beforeAll(async () => {
  upstream = createServer((req, res) => {
    seen.push({ url: req.url ?? '', headers: req.headers });
    res.setHeader('content-type', 'text/html');
    res.setHeader('x-frame-options', 'DENY');
    res.setHeader('cross-origin-opener-policy', 'same-origin');
    res.setHeader('set-cookie', ['__Host-appforge_session=stolen; Path=/; Secure', 'appforge_session=fixed; Domain=localhost; Path=/', 'theirs=1; Domain=.localhost; Path=/; HttpOnly']);
    res.end('<html><head><title>app</title></head><body><h1>the app</h1></body></html>');
  });
  await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`;
});
afterAll(() => upstream.close());

/** The two questions the proxy asks the service, answered for three tokens. */
const service = {
  async resolve(token: string) {
    if (token === OWNER) return { ok: true, sandboxId: 's1', kind: 'owner' };
    if (token === SHARE) return { ok: true, sandboxId: 's1', kind: 'share' };
    if (token === REVOKED) return { ok: false, status: 410, reason: 'revoked' };
    return { ok: false, status: 404, reason: 'unknown' };
  },
  async previewTarget() {
    return { url: `${base}/preview/s1/3000`, headers: { 'X-Daytona-Preview-Token': 'upstream-secret', 'X-Daytona-Skip-Preview-Warning': 'true' } };
  },
} as unknown as SandboxService;

const proxy = createEdgePreviewProxy(service, { previewHost: 'localhost:8788', sessionCookieName: '__Host-appforge_session', appHost: 'localhost:8788' });
const get = (token: string, path = '/', headers: Record<string, string> = {}) => proxy(new Request(`http://${token}.localhost:8788${path}`, { headers: { host: `${token}.localhost:8788`, ...headers } }));

describe('the preview proxy on Cloudflare Pages', () => {
  it('forwards with the provider token, never the app session cookie, under the target path', async () => {
    const response = await get(OWNER, '/src/main.tsx?v=1', { cookie: '__Host-appforge_session=victim; theirs=1', 'sec-fetch-dest': 'script' });
    expect(response?.status).toBe(200);
    const last = seen.at(-1)!;
    expect(last.url).toBe('/preview/s1/3000/src/main.tsx?v=1');
    expect(last.headers['x-daytona-preview-token']).toBe('upstream-secret');
    expect(last.headers['x-daytona-skip-preview-warning']).toBe('true');
    expect(last.headers.cookie).toBe('theirs=1');
  });

  it("keeps the preview's cookies its own and lets the workbench frame it; the token never leaves as Referer", async () => {
    const response = (await get(OWNER, '/', { 'sec-fetch-dest': 'script' }))!;
    expect(response.headers.getSetCookie()).toEqual(['theirs=1; Path=/; HttpOnly']);
    expect(response.headers.get('x-frame-options')).toBeNull();
    expect(response.headers.get('cross-origin-opener-policy')).toBeNull();
    expect(response.headers.get('cross-origin-resource-policy')).toBe('cross-origin');
    expect(response.headers.get('cross-origin-embedder-policy')).toBe('credentialless');
    expect(response.headers.get('referrer-policy')).toBe('no-referrer');
    expect(JSON.stringify([...response.headers])).not.toContain('upstream-secret');
  });

  it("puts the problem reporter into the owner's pages only, never a share link's", async () => {
    const owner = await (await get(OWNER, '/', { 'sec-fetch-dest': 'iframe' }))!.text();
    expect(owner).toMatch(/<head><script>[\s\S]*appforge-preview-problem[\s\S]*<\/script><title>/);
    expect(seen.at(-1)!.headers['accept-encoding']).toBe('identity');
    const shared = await (await get(SHARE, '/', { 'sec-fetch-dest': 'document' }))!.text();
    expect(shared).toBe('<html><head><title>app</title></head><body><h1>the app</h1></body></html>');
  });

  it('answers revoked, unknown and foreign hosts without reaching the sandbox', async () => {
    const before = seen.length;
    expect((await get(REVOKED))!.status).toBe(410);
    expect((await get('z'.repeat(32)))!.status).toBe(404);
    expect(await proxy(new Request('http://localhost:8788/', { headers: { host: 'localhost:8788' } }))).toBeNull();
    expect(await proxy(new Request(`http://${OWNER}.evil.test/`, { headers: { host: `${OWNER}.evil.test` } }))).toBeNull();
    expect(seen.length).toBe(before);
  });

  it("takes another host from the forwarding Worker's header only with the shared secret", async () => {
    const forwarded = createEdgePreviewProxy(service, { previewHost: 'preview.test', sessionCookieName: '__Host-appforge_session', forwarderSecret: 'the-forwarder-secret-0123456789abcdef' });
    const at = (headers: Record<string, string>) => forwarded(new Request('https://app.test/', { headers: { host: 'appforge.pages.dev', ...headers } }));
    // Without the secret, or with another, the request is the app's own (answered by the app, never a sandbox's page).
    expect(await at({ 'x-appforge-preview-host': `${OWNER}.preview.test` })).toBeNull();
    expect(await at({ 'x-appforge-preview-host': `${OWNER}.preview.test`, 'x-appforge-forwarder': 'guess-guess-guess-guess-guess-guess-1' })).toBeNull();
    const before = seen.length;
    const response = await at({ 'x-appforge-preview-host': `${OWNER}.preview.test`, 'x-appforge-forwarder': 'the-forwarder-secret-0123456789abcdef', 'sec-fetch-dest': 'script' });
    expect(response?.status).toBe(200);
    expect(seen.length).toBe(before + 1);
    // Neither header reaches the sandbox.
    expect(seen.at(-1)!.headers['x-appforge-forwarder']).toBeUndefined();
    expect(seen.at(-1)!.headers['x-appforge-preview-host']).toBeUndefined();
    expect(seen.at(-1)!.headers['x-forwarded-host']).toBe(`${OWNER}.preview.test`);
  });
});
