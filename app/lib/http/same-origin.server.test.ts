import { describe, expect, it } from 'vitest';
import { assertSameOriginJson } from './same-origin.server';

const request = (method: string, headers: Record<string, string>, body?: string) => new Request('http://localhost:5173/api/sandboxes', { method, headers: { host: 'localhost:5173', ...headers }, body });

describe('assertSameOriginJson', () => {
  it("lets the app's own pages and non-browser clients through", () => {
    expect(() => assertSameOriginJson(request('POST', { 'content-type': 'application/json', 'sec-fetch-site': 'same-origin', origin: 'http://localhost:5173' }, '{}'))).not.toThrow();
    expect(() => assertSameOriginJson(request('POST', { 'content-type': 'application/json; charset=utf-8' }, '{}'))).not.toThrow();
    expect(() => assertSameOriginJson(request('DELETE', {}))).not.toThrow();
    expect(() => assertSameOriginJson(request('GET', { 'sec-fetch-site': 'cross-site' }))).not.toThrow();
    // Behind a proxy that rewrites Host, the configured public host is the app's origin too (and only it).
    const proxied = request('POST', { 'content-type': 'application/json', origin: 'https://app.example.com' }, '{}');
    expect(() => assertSameOriginJson(proxied, 'app.example.com')).not.toThrow();
    expect(() => assertSameOriginJson(proxied, 'other.example.com')).toThrow(/other sites/);
  });

  it('refuses other origins, other sites, and bodies that are not JSON', () => {
    expect(() => assertSameOriginJson(request('POST', { 'content-type': 'application/json', origin: 'http://abc.localhost:5173' }, '{}'))).toThrow(/other sites/);
    expect(() => assertSameOriginJson(request('POST', { 'content-type': 'application/json', origin: 'null' }, '{}'))).toThrow(/other sites/);
    expect(() => assertSameOriginJson(request('PUT', { 'content-type': 'application/json', 'sec-fetch-site': 'same-site' }, '{}'))).toThrow(/other sites/);
    expect(() => assertSameOriginJson(request('POST', { 'content-type': 'text/plain' }, '{}'))).toThrow(/as JSON/);
    expect(() => assertSameOriginJson(request('POST', { 'content-type': 'application/jsonx' }, '{}'))).toThrow(/as JSON/);
  });
});
