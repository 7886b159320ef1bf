import { resolve } from 'node:path';
import type { ServerEnv } from '../env.server';
import { LocalProvider } from './local/local-provider.server';
import type { SandboxProvider } from './sandbox-provider.server';
import { SandboxService } from './sandbox-service.server';

/** The provider the configuration asks for, and the service around it. */
export async function createSandboxService(env: ServerEnv, secret: string) {
  let provider: SandboxProvider;
  if (env.sandboxProvider === 'daytona') {
    const { DaytonaProvider } = await import('./daytona/daytona-provider.server');
    provider = new DaytonaProvider({ apiKey: env.DAYTONA_API_KEY!, apiUrl: env.DAYTONA_API_URL, target: env.DAYTONA_TARGET, snapshot: env.DAYTONA_SNAPSHOT, idleTtlMin: env.SANDBOX_IDLE_TTL_MIN });
  } else {
    provider = new LocalProvider({
      dataDir: env.SANDBOX_DATA_DIR,
      npmCacheDir: env.SANDBOX_NPM_CACHE_DIR ? resolve(env.SANDBOX_NPM_CACHE_DIR) : undefined,
      portBase: env.SANDBOX_PORT_BASE,
      commandTimeoutMs: env.SANDBOX_COMMAND_TIMEOUT_S * 1000,
      maxOutputBytes: env.SANDBOX_MAX_OUTPUT_BYTES,
      memoryMb: env.SANDBOX_MEMORY_MB,
      maxDiskMb: env.SANDBOX_MAX_DISK_MB,
      passEnv: pick(process.env, ['npm_config_registry', 'HTTP_PROXY', 'HTTPS_PROXY', 'NO_PROXY']),
    });
  }
  const previewHost = env.PREVIEW_HOST ?? `localhost:${env.PORT}`;
  const service = new SandboxService(provider, {
    secret,
    previewHost,
    previewScheme: /(^|\.)localhost(:\d+)?$/.test(previewHost) ? 'http' : 'https',
    maxPerSession: env.SANDBOX_MAX_PER_SESSION,
    maxTotal: env.SANDBOX_MAX_TOTAL,
    idleTtlMs: env.SANDBOX_IDLE_TTL_MIN * 60_000,
    defaultShareTtlHours: env.SHARE_DEFAULT_TTL_HOURS,
  });
  return { service, previewHost };
}

function pick(source: NodeJS.ProcessEnv, names: string[]) {
  return Object.fromEntries(names.filter((n) => source[n]).map((n) => [n, source[n]!]));
}
