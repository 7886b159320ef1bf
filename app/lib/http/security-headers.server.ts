/**
 * Headers every response carries. COOP `same-origin` with COEP `credentialless` makes the page
 * cross-origin isolated, which WebContainer needs (SharedArrayBuffer), while still letting the
 * page load cross-origin resources that do not opt in with CORP.
 */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'credentialless',
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'strict-origin-when-cross-origin',
  // No other site may frame the app (clickjacking); previews are served by the proxy without it.
  'Content-Security-Policy': "frame-ancestors 'self'",
};
