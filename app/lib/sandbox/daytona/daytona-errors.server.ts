import {
  DaytonaAuthenticationError,
  DaytonaAuthorizationError,
  DaytonaConnectionError,
  DaytonaError,
  DaytonaNotFoundError,
  DaytonaRateLimitError,
  DaytonaTimeoutError,
} from '@daytonaio/sdk';
import { SandboxError, SandboxNotFoundError, SandboxProviderError, SandboxQuotaError } from '../sandbox-provider.server';

/** Every SDK failure becomes one of our typed errors with a sentence a user can act on. */
export function mapDaytonaError(error: unknown): SandboxError {
  if (error instanceof SandboxError) return error;
  const detail = error instanceof Error ? error.message.slice(0, 200) : String(error);
  if (error instanceof DaytonaNotFoundError) return new SandboxNotFoundError();
  if (error instanceof DaytonaRateLimitError) return new SandboxQuotaError(`Daytona is rate-limiting requests right now (${detail}). Wait a minute and try again.`);
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

/** The SDK does not retry a 429: we do, honouring Retry-After, with exponential backoff otherwise. */
export async function withRateLimitRetry<T>(work: () => Promise<T>, options: RetryOptions): Promise<T> {
  const sleep = options.sleep ?? ((ms: number) => new Promise((r) => setTimeout(r, ms)));
  for (let attempt = 1; ; attempt++) {
    try {
      return await work();
    } catch (error) {
      if (!(error instanceof DaytonaRateLimitError) || attempt >= options.attempts) throw mapDaytonaError(error);
      const retryAfter = Number(error.headers?.get?.('retry-after') ?? (error.headers as Record<string, unknown> | undefined)?.['retry-after']);
      const backoff = options.baseDelayMs * 2 ** (attempt - 1);
      await sleep(Math.min(Number.isFinite(retryAfter) && retryAfter >= 0 ? retryAfter * 1000 : backoff, options.maxDelayMs));
    }
  }
}
