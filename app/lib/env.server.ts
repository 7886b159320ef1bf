import { z } from 'zod';

/**
 * The whole server configuration, validated once. Nothing here is sent to the browser; routes
 * pick the few values a page may see (the default model) one by one.
 */
const OPENROUTER_URL = 'https://openrouter.ai/api/v1';

const int = (fallback: number, min: number, max: number) =>
  z.coerce.number().int().min(min).max(max).default(fallback);

const schema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  PORT: int(5173, 1, 65535),
  HOST: z.string().min(1).default('localhost'),
  OPENROUTER_API_KEY: z.string().trim().optional(),
  OPENROUTER_BASE_URL: z.url({ message: 'must be a URL such as https://openrouter.ai/api/v1' }).default(OPENROUTER_URL),
  DEFAULT_MODEL: z.string().trim().min(1).default('anthropic/claude-sonnet-4.5'),
  /** Seconds without a byte from the model before the answer is ended as stalled. */
  LLM_STALL_TIMEOUT_S: int(60, 1, 3600),
  /** Retries of a failed model request (429 and 5xx), with the SDK's backoff. */
  LLM_MAX_RETRIES: int(2, 0, 10),
  /** How many times an answer cut at the model's output limit is continued. */
  LLM_MAX_CONTINUATIONS: int(4, 0, 20),
  /** Largest accepted /api/chat request body, in bytes. */
  CHAT_MAX_BODY_BYTES: int(2_000_000, 10_000, 50_000_000),
});

export type ServerEnv = z.infer<typeof schema> & { usesOpenRouter: boolean };

export class ConfigError extends Error {}

export function parseServerEnv(source: Record<string, string | undefined>): ServerEnv {
  // Empty strings in .env mean "not set".
  const cleaned = Object.fromEntries(Object.entries(source).filter(([, v]) => v !== undefined && v !== ''));
  const result = schema.safeParse(cleaned);
  if (!result.success) {
    const lines = result.error.issues.map((issue) => `  - ${issue.path.join('.')}: ${issue.message}`);
    throw new ConfigError(`Invalid configuration (see .env.example):\n${lines.join('\n')}`);
  }
  const env = result.data;
  return { ...env, OPENROUTER_BASE_URL: env.OPENROUTER_BASE_URL.replace(/\/+$/, ''), usesOpenRouter: new URL(env.OPENROUTER_BASE_URL).hostname === 'openrouter.ai' };
}

let cached: ServerEnv | undefined;

export function serverEnv(): ServerEnv {
  cached ??= parseServerEnv(process.env);
  return cached;
}

/** Startup warnings worth printing once; none of them contains a secret. */
export function configWarnings(env: ServerEnv): string[] {
  const warnings: string[] = [];
  if (!env.OPENROUTER_API_KEY && env.usesOpenRouter) {
    warnings.push('OPENROUTER_API_KEY is not set: chats will fail until it is (or OPENROUTER_BASE_URL points at a local model server).');
  }
  return warnings;
}
