/**
 * Recognisable stand-ins for the server's secrets. The client build is made with them in the
 * environment and the secrets test starts the app with them, then looks for them everywhere a
 * secret must never appear.
 */
export const SENTINELS = {
  OPENROUTER_API_KEY: 'sentinel-llm-key-9c41f0a7d2',
  DAYTONA_API_KEY: 'sentinel-daytona-key-4be83c1f06',
  SESSION_SECRET: 'sentinel-session-secret-51d9e7a3c8b2f4a6e0d1',
  NETLIFY_TOKEN: 'sentinel-netlify-token-7d2e91b4c3',
  VERCEL_TOKEN: 'sentinel-vercel-token-3a8f60d2e5',
} as const;
