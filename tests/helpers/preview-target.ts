import { get } from 'node:http';
import type { PreviewTarget } from '~/lib/sandbox/sandbox-provider.server';

/** GET through a provider's preview target (its agent, when the sandbox has a network of its own), as the preview proxy does. */
export function getVia(target: PreviewTarget, path = '/'): Promise<string> {
  return new Promise((resolve, reject) => {
    get(new URL(path, target.url), { agent: target.agent, headers: target.headers }, (res) => {
      let body = '';
      res.on('data', (chunk) => (body += chunk));
      res.on('end', () => resolve(body));
      res.on('error', reject);
    }).on('error', reject);
  });
}
