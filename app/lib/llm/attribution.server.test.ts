import { describe, expect, it } from 'vitest';
import { attributionUrl } from './attribution.server';

describe("OpenRouter attribution's app URL", () => {
  it('is https://APP_HOST, http for a loopback host, else the origin the request came to', () => {
    expect(attributionUrl('app.example.com', 'http://10.0.0.5:5173/api/chat')).toBe('https://app.example.com');
    expect(attributionUrl('localhost:5173', 'http://127.0.0.1:5173/api/chat')).toBe('http://localhost:5173');
    expect(attributionUrl('127.0.0.1:8080', 'http://x/api/chat')).toBe('http://127.0.0.1:8080');
    expect(attributionUrl(undefined, 'http://localhost:5173/api/chat?x=1')).toBe('http://localhost:5173');
  });
});
