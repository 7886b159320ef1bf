// OpenRouter's app attribution (openrouter.ai/docs/app-attribution): the app's URL as HTTP-Referer
// (what identifies it) and its name as X-OpenRouter-Title / X-Title.

export const APP_NAME = 'AppForge';

/**
 * The app's public URL: APP_HOST when the operator set it, else the origin this request came to,
 * which is the page the person is using.
 */
export function attributionUrl(appHost: string | undefined, requestUrl: string): string {
  return appHost ? appHostUrl(appHost) : new URL(requestUrl).origin;
}

/** https://APP_HOST (production sends Secure cookies, so it is served over TLS), http for a loopback name. */
export function appHostUrl(appHost: string): string {
  const name = appHost.replace(/:\d+$/, '');
  const loopback = name === 'localhost' || name.endsWith('.localhost') || /^127\.\d+\.\d+\.\d+$/.test(name);
  return `${loopback ? 'http' : 'https'}://${appHost}`;
}
