import {
  DaytonaAuthenticationError,
  DaytonaAuthorizationError,
  DaytonaBadRequestError,
  DaytonaConflictError,
  DaytonaConnectionError,
  DaytonaError,
  DaytonaNotFoundError,
  DaytonaRateLimitError,
  DaytonaTimeoutError,
} from '@daytonaio/sdk';
import { SandboxError, SandboxNotFoundError, SandboxProviderError, SandboxQuotaError } from '../sandbox-provider.server';

/**
 * The toolbox refused because the sandbox is not running: Daytona stopped it (auto-stop) or
 * archived it. Its runner answers 400 "… no IP address found. Is the Sandbox started?"
 * (apps/runner/pkg/api/controllers/proxy.go); for an archived one the proxy finds no runner.
 */
export class SandboxNotStartedError extends SandboxProviderError {
  override name = 'SandboxNotStartedError';
  constructor(detail: string) {
    super(`The cloud sandbox is not running (${detail}).`, 409);
  }
}

const NOT_STARTED = /Is the Sandbox started\?|does not have a runner/;
// Daytona's own sentences (apps/api/src/sandbox/services/sandbox.service.ts, sandbox.controller.ts).
const TOTAL_LIMIT = /^Total (CPU|memory|disk|GPU) limit exceeded\. Maximum allowed: (\S+?)\.?$/m;
const PER_SANDBOX_LIMIT = /^(CPU|Memory|Disk) request \S+ exceeds maximum allowed per (?:non-ephemeral )?sandbox/;
const RESOURCES_WITH_SNAPSHOT = /Cannot specify Sandbox resources when using a snapshot/;
const SETTING = { CPU: 'DAYTONA_CPU', Memory: 'DAYTONA_MEMORY_GB', Disk: 'DAYTONA_DISK_GB' } as const;

/** Every SDK failure becomes one of our typed errors with a sentence a user can act on. */
export function mapDaytonaError(error: unknown): SandboxError {
  if (error instanceof SandboxError) return error;
  const full = error instanceof Error ? error.message : String(error);
  const detail = full.slice(0, 200);
  // Daytona's 400s put its advice (upgrade links, support address) after the first line.
  const firstLine = full.split('\n')[0].slice(0, 200);
  if (error instanceof DaytonaNotFoundError) return new SandboxNotFoundError();
  if (error instanceof DaytonaRateLimitError) return new SandboxQuotaError(`Daytona is rate-limiting requests right now (${detail}). Wait a minute and try again.`);
  if (error instanceof DaytonaBadRequestError) {
    if (NOT_STARTED.test(full)) return new SandboxNotStartedError(firstLine);
    const total = TOTAL_LIMIT.exec(full);
    if (total) {
      const held = total[1] === 'disk' ? 'stopped ones still hold their disk' : 'each running one holds its share';
      return new SandboxQuotaError(
        `Daytona refused: your organization's total ${total[1]} limit (${total[2]}) is reached. Stop or delete a cloud sandbox you no longer need (${held}), or raise the limit in Daytona's dashboard, then try again.`,
      );
    }
    const perSandbox = PER_SANDBOX_LIMIT.exec(full);
    if (perSandbox) {
      return new SandboxProviderError(`Daytona refuses the configured sandbox size: ${firstLine} Lower ${SETTING[perSandbox[1] as keyof typeof SETTING]} to your organization's per-sandbox limit.`, 500);
    }
    if (RESOURCES_WITH_SNAPSHOT.test(full)) {
      return new SandboxProviderError('Daytona takes DAYTONA_CPU, DAYTONA_MEMORY_GB and DAYTONA_DISK_GB only for sandboxes made from an image, not from a snapshot: unset DAYTONA_SNAPSHOT or those settings.', 500);
    }
  }
  if (error instanceof DaytonaConflictError) return new SandboxProviderError(`The cloud sandbox is starting or stopping right now (${detail}). Try again in a moment.`, 409);
  if (error instanceof DaytonaAuthenticationError || error instanceof DaytonaAuthorizationError) {
    return new SandboxProviderError(`Daytona rejected the server's credentials (${detail}). Check DAYTONA_API_KEY.`, 502);
  }
  if (error instanceof DaytonaTimeoutError) return new SandboxProviderError(`Daytona did not answer in time (${detail}). Try again.`, 504);
  if (error instanceof DaytonaConnectionError) return new SandboxProviderError(`Could not reach Daytona at DAYTONA_API_URL (${detail}).`, 502);
  if (error instanceof DaytonaError) return new SandboxProviderError(`Daytona failed: ${detail}`, 502);
  return new SandboxProviderError(`The cloud sandbox failed: ${detail}`, 502);
}

export interface RetryOptions {
  attempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
  sleep?: (ms: number) => Promise<void>;
}

/**
 * Seconds a 429 asks to wait. Daytona's API names the header after the throttler that refused
 * (Retry-After-authenticated, -sandbox-create, -sandbox-lifecycle: @nestjs/throttler); only its
 * failed-auth limiter sends a plain Retry-After.
 */
export function retryAfterSeconds(headers: unknown): number | undefined {
  const plain = (headers as { toJSON?: () => unknown } | undefined)?.toJSON?.() ?? headers;
  if (!plain || typeof plain !== 'object') return undefined;
  const waits = Object.entries(plain)
    .filter(([name]) => /^retry-after(-[\w-]+)?$/i.test(name))
    .map(([, value]) => Number(value))
    .filter((seconds) => Number.isFinite(seconds) && seconds >= 0);
  return waits.length ? Math.max(...waits) : undefined;
}

/** The SDK does not retry a 429: we do, honouring its Retry-After, with exponential backoff otherwise. */
export async function withRateLimitRetry<T>(work: () => Promise<T>, options: RetryOptions): Promise<T> {
  const sleep = options.sleep ?? ((ms: number) => new Promise((r) => setTimeout(r, ms)));
  for (let attempt = 1; ; attempt++) {
    try {
      return await work();
    } catch (error) {
      if (!(error instanceof DaytonaRateLimitError) || attempt >= options.attempts) throw mapDaytonaError(error);
      const retryAfter = retryAfterSeconds(error.headers);
      const backoff = options.baseDelayMs * 2 ** (attempt - 1);
      await sleep(Math.min(retryAfter !== undefined ? retryAfter * 1000 : backoff, options.maxDelayMs));
    }
  }
}
