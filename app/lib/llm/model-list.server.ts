import { CURATED_MODELS, type ModelOption } from './models';
import type { ServerEnv } from '../env.server';

const CACHE_MS = 10 * 60_000;
const EMPTY_CACHE_MS = 5_000;
const FETCH_TIMEOUT_MS = 3_000;
let cache: { at: number; baseUrl: string; models: ModelOption[] } | undefined;

/**
 * The models this server offers, and so the only ones a chat may use. MODELS, when set, is the
 * whole list. Otherwise DEFAULT_MODEL and the curated list; with an endpoint other than
 * OpenRouter (Ollama, LM Studio: the operator's own models) also what its `/models` lists.
 * OpenRouter's own list is not offered as a whole: it holds models that cost a great deal.
 */
export async function listModels(env: ServerEnv): Promise<{ models: ModelOption[]; defaultModel: string; remote: boolean }> {
  if (env.MODELS) {
    const ids = [env.DEFAULT_MODEL, ...env.MODELS.split(',').map((id) => id.trim()).filter(Boolean)];
    const models = [...new Set(ids)].map((id) => CURATED_MODELS.find((m) => m.id === id) ?? { id, label: id });
    return { models, defaultModel: env.DEFAULT_MODEL, remote: false };
  }
  const now = Date.now();
  if (env.usesOpenRouter) cache = { at: now, baseUrl: env.OPENROUTER_BASE_URL, models: [] };
  // An empty answer (the model server not up yet) is asked again soon, not after ten minutes.
  else if (!cache || cache.baseUrl !== env.OPENROUTER_BASE_URL || now - cache.at > (cache.models.length ? CACHE_MS : EMPTY_CACHE_MS)) {
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
