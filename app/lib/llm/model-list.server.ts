import { CURATED_MODELS, type ModelOption } from './models';
import type { ServerEnv } from '../env.server';

const CACHE_MS = 10 * 60_000;
const FETCH_TIMEOUT_MS = 3_000;
let cache: { at: number; baseUrl: string; models: ModelOption[] } | undefined;

/**
 * The curated list plus whatever the provider's `/models` lists (OpenRouter, Ollama and LM Studio
 * all serve it). An unreachable provider just leaves the curated list.
 */
export async function listModels(env: ServerEnv): Promise<{ models: ModelOption[]; defaultModel: string; remote: boolean }> {
  const now = Date.now();
  if (!cache || cache.baseUrl !== env.OPENROUTER_BASE_URL || now - cache.at > CACHE_MS) {
    const remote = await fetchRemoteModels(env);
    cache = { at: now, baseUrl: env.OPENROUTER_BASE_URL, models: remote };
  }
  const seen = new Set<string>();
  const models = [{ id: env.DEFAULT_MODEL, label: env.DEFAULT_MODEL }, ...CURATED_MODELS, ...cache.models].filter((m) => {
    if (seen.has(m.id)) return false;
    seen.add(m.id);
    return true;
  });
  // The default model keeps the curated label when it has one.
  const curated = CURATED_MODELS.find((m) => m.id === env.DEFAULT_MODEL);
  if (curated) models[0] = curated;
  return { models, defaultModel: env.DEFAULT_MODEL, remote: cache.models.length > 0 };
}

async function fetchRemoteModels(env: ServerEnv): Promise<ModelOption[]> {
  try {
    const response = await fetch(`${env.OPENROUTER_BASE_URL}/models`, {
      headers: env.OPENROUTER_API_KEY ? { Authorization: `Bearer ${env.OPENROUTER_API_KEY}` } : {},
      signal: AbortSignal.timeout(FETCH_TIMEOUT_MS),
    });
    if (!response.ok) return [];
    const body = (await response.json()) as { data?: Array<{ id?: unknown; name?: unknown }> };
    return (body.data ?? [])
      .filter((m): m is { id: string; name?: unknown } => typeof m.id === 'string' && m.id.length > 0 && m.id.length < 200)
      .slice(0, 500)
      .map((m) => ({ id: m.id, label: typeof m.name === 'string' && m.name ? m.name : m.id }));
  } catch {
    return [];
  }
}
