import { DaytonaRateLimitError, DaytonaValidationError } from '@daytonaio/sdk';
import { describe, expect, it } from 'vitest';
import { SandboxProviderError, SandboxQuotaError } from '../sandbox-provider.server';
import { mapDaytonaError, retryAfterSeconds, SandboxNotStartedError, withRateLimitRetry } from './daytona-errors.server';

/** Headers as the SDK's errors carry them (axios' AxiosHeaders: lower-case names, toJSON). */
const axiosHeaders = (headers: Record<string, string>) => ({ toJSON: () => headers }) as unknown as ConstructorParameters<typeof DaytonaRateLimitError>[2];
const UPGRADE = "To increase concurrency limits, upgrade your organization's Tier by visiting https://app.daytona.io/dashboard/limits.";

describe("Daytona's refusals", () => {
  it('are quota errors with a sentence for each of its total limits', () => {
    for (const [message, limit] of [
      [`Total CPU limit exceeded. Maximum allowed: 10.\n${UPGRADE}`, 'total CPU limit (10)'],
      [`Total memory limit exceeded. Maximum allowed: 20GiB.\n${UPGRADE}`, 'total memory limit (20GiB)'],
      [`Total disk limit exceeded. Maximum allowed: 30GiB.\nConsider archiving your unused Sandboxes to free up available storage.\n${UPGRADE}`, 'total disk limit (30GiB)'],
    ]) {
      const mapped = mapDaytonaError(new DaytonaValidationError(message, 400));
      expect(mapped).toBeInstanceOf(SandboxQuotaError);
      expect(mapped.status).toBe(429);
      expect(mapped.message).toContain(limit);
      expect(mapped.message).not.toContain('upgrade your organization');
    }
  });

  it('tell a stopped sandbox from other 400s', () => {
    expect(mapDaytonaError(new DaytonaValidationError('bad request: failed to resolve container IP after 3 attempts: no IP address found. Is the Sandbox started?', 400))).toBeInstanceOf(SandboxNotStartedError);
    expect(mapDaytonaError(new DaytonaValidationError('Memory request 16GB exceeds maximum allowed per sandbox (8GB).\nNeed higher resource limits per-sandbox?', 400)).message).toMatch(/Lower DAYTONA_MEMORY_GB/);
    expect(mapDaytonaError(new DaytonaValidationError('something else', 400))).toBeInstanceOf(SandboxProviderError);
  });
});

describe('429s', () => {
  it("are retried after the longest Retry-After-<throttler> Daytona's API names", async () => {
    expect(retryAfterSeconds(axiosHeaders({ 'retry-after-sandbox-create': '3', 'x-ratelimit-limit-sandbox-create': '100' }))).toBe(3);
    expect(retryAfterSeconds({ 'Retry-After': '2', 'Retry-After-authenticated': '5' })).toBe(5);
    expect(retryAfterSeconds(axiosHeaders({}))).toBeUndefined();
    const waits: number[] = [];
    let calls = 0;
    const result = await withRateLimitRetry(
      async () => {
        if (calls++ === 0) throw new DaytonaRateLimitError('ThrottlerException: Too Many Requests', 429, axiosHeaders({ 'retry-after-sandbox-lifecycle': '4' }));
        return 'ok';
      },
      { attempts: 3, baseDelayMs: 1, maxDelayMs: 60_000, sleep: async (ms) => void waits.push(ms) },
    );
    expect(result).toBe('ok');
    expect(waits).toEqual([4000]);
  });
});
