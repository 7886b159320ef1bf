import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { ConfigError, type ServerEnv } from '../env.server';
import { LocalProvider } from './local/local-provider.server';
import type { SandboxProvider } from './sandbox-provider.server';
import { serviceAround } from './sandbox-service.server';

/** Node server: the provider the configuration asks for (Local or Daytona), and the service around it. */
export async function createSandboxService(env: ServerEnv, secret: string) {
  let provider: SandboxProvider;
  if (env.sandboxProvider === 'daytona') {
    const { daytonaProvider } = await import('./daytona/daytona-provider.server');
    provider = daytonaProvider(env);
  } else {
    provider = new LocalProvider({
      dataDir: env.SANDBOX_DATA_DIR,
      npmCacheDir: env.SANDBOX_NPM_CACHE_DIR ? resolve(env.SANDBOX_NPM_CACHE_DIR) : undefined,
      portBase: env.SANDBOX_PORT_BASE,
      commandTimeoutMs: env.SANDBOX_COMMAND_TIMEOUT_S * 1000,
      maxOutputBytes: env.SANDBOX_MAX_OUTPUT_BYTES,
      memoryMb: env.SANDBOX_MEMORY_MB,
      maxDiskMb: env.SANDBOX_MAX_DISK_MB,
      diskMb: env.SANDBOX_DISK_MB,
      sharedNpmCacheMb: env.SANDBOX_SHARED_NPM_CACHE_MB,
      tmpMb: env.SANDBOX_TMP_MB,
      maxPids: env.SANDBOX_MAX_PIDS,
      cpus: env.SANDBOX_CPUS,
      // In production a sandbox must not reach the host's loopback services: own network or no start.
      isolateNetwork: env.NODE_ENV === 'production' ? true : null,
      networkAllow: env.SANDBOX_NETWORK_ALLOW,
      // Only the registry and how to trust it: never the host's npm tokens or proxy credentials.
      passEnv: { npm_config_registry: env.NPM_REGISTRY_URL, ...safeNpmSettings() },
    });
    if (env.NODE_ENV === 'production' && !(provider as LocalProvider).isolated) {
      throw new ConfigError('Refusing to run Local sandboxes without isolation in production: install bubblewrap (apt-get install bubblewrap), or use Daytona (DAYTONA_API_KEY).');
    }
    if ((provider as LocalProvider).networkIsolated && isLoopbackUrl(env.NPM_REGISTRY_URL)) {
      throw new ConfigError(`NPM_REGISTRY_URL (${env.NPM_REGISTRY_URL}) is on this host's loopback, which sandboxes cannot reach from their own network: use an address of the host they can reach, or a registry elsewhere.`);
    }
  }
  return serviceAround(provider, env, secret);
}

/** The host's npm TLS settings (a custom CA bundle, say), from /etc/npmrc; nothing else of it. */
function safeNpmSettings(): Record<string, string> {
  const settings: Record<string, string> = {};
  const text = existsSync('/etc/npmrc') ? readFileSync('/etc/npmrc', 'utf8') : '';
  for (const line of text.split('\n')) {
    const match = /^\s*(cafile|strict-ssl)\s*=\s*(.+?)\s*$/.exec(line);
    if (match) settings[`npm_config_${match[1].replace('-', '_')}`] = match[2];
  }
  return settings;
}

function isLoopbackUrl(url: string): boolean {
  const host = new URL(url).hostname.replace(/^\[|\]$/g, '').toLowerCase();
  return host === 'localhost' || host.endsWith('.localhost') || /^127\./.test(host) || host === '::1';
}
