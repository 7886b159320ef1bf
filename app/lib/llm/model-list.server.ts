import { CURATED_MODELS, type ModelList, type ModelOption } from './models';
import type { ServerEnv } from '../env.server';

const CACHE_MS = 10 * 60_000;
const EMPTY_CACHE_MS = 5_000;
const FETCH_TIMEOUT_MS = 3_000;
let cache: { at: number; baseUrl: string; models: ModelOption[] } | undefined;
let refreshing: Promise<void> | undefined;

/**
 * The models this server offers, and so the only ones a chat may use. MODELS, when set, is the
 * whole list. Otherwise DEFAULT_MODEL and the curated list; with an endpoint other than
 * OpenRouter (Ollama, LM Studio: the operator's own models) also what its `/models` lists.
 * OpenRouter's own list is not offered as a whole: it holds models that cost a great deal.
 */
export async function listModels(env: ServerEnv): Promise<ModelList> {
  if (env.MODELS) {
    const ids = [env.DEFAULT_MODEL, ...env.MODELS.split(',').map((id) => id.trim()).filter(Boolean)];
    const models = [...new Set(ids)].map((id) => CURATED_MODELS.find((m) => m.id === id) ?? { id, label: id });
    return { models, defaultModel: env.DEFAULT_MODEL, remote: false, complete: true, ...budgets(env) };
  }
  const now = Date.now();
  // An empty answer (the model server not up yet) is asked again soon, not after ten minutes.
  if (!cache || cache.baseUrl !== env.OPENROUTER_BASE_URL || now - cache.at > (cache.models.length ? CACHE_MS : EMPTY_CACHE_MS)) {
    const baseUrl = env.OPENROUTER_BASE_URL;
    refreshing ??= fetchRemoteModels(env).then((models) => {
      cache = { at: Date.now(), baseUrl, models };
      refreshing = undefined;
    });
    // OpenRouter's list only adds prices: nobody waits for it. A local model server's list is the offer.
    if (!env.usesOpenRouter) await refreshing;
  }
  const listed = cache?.baseUrl === env.OPENROUTER_BASE_URL ? cache.models : [];
  const remote = new Map(listed.map((m) => [m.id, m]));
  // From OpenRouter's list only the prices of the models offered are taken (the list itself holds costly models).
  const offered = env.usesOpenRouter ? [] : [...remote.values()];
  const seen = new Set<string>();
  const curated = CURATED_MODELS.find((m) => m.id === env.DEFAULT_MODEL);
  const models = [curated ?? { id: env.DEFAULT_MODEL, label: env.DEFAULT_MODEL }, ...CURATED_MODELS, ...offered]
    .filter((m) => {
      if (seen.has(m.id)) return false;
      seen.add(m.id);
      return true;
    })
    .map((m) => ({ ...m, price: m.price ?? remote.get(m.id)?.price, tools: m.tools ?? remote.get(m.id)?.tools, images: remote.get(m.id)?.images ?? m.images }));
  return { models, defaultModel: env.DEFAULT_MODEL, remote: offered.length > 0, complete: listed.length > 0, ...budgets(env) };
}

function budgets(env: ServerEnv): Pick<ModelList, 'autoFixTokenBudget' | 'agent' | 'keyConfigured'> {
  return { autoFixTokenBudget: env.AUTO_FIX_TOKEN_BUDGET, agent: { maxSteps: env.AGENT_MAX_STEPS, tokenBudget: env.AGENT_TOKEN_BUDGET }, keyConfigured: Boolean(env.OPENROUTER_API_KEY) || !env.usesOpenRouter };
}

async function fetchRemoteModels(env: ServerEnv): Promise<ModelOption[]> {
  try {
    const response = await fetch(`${env.OPENROUTER_BASE_URL}/models`, {
      headers: env.OPENROUTER_API_KEY ? { Authorization: `Bearer ${env.OPENROUTER_API_KEY}` } : {},
      signal: AbortSignal.timeout(FETCH_TIMEOUT_MS),
    });
    if (!response.ok) return [];
    type Listed = { id: string; name?: unknown; pricing?: { prompt?: unknown; completion?: unknown }; supported_parameters?: unknown; architecture?: { input_modalities?: unknown } };
    const body = (await response.json()) as { data?: Array<Partial<Listed>> };
    return (body.data ?? [])
      .filter((m): m is Listed => typeof m.id === 'string' && m.id.length > 0 && m.id.length < 200)
      .slice(0, 1000)
      .map((m) => ({ id: m.id, label: typeof m.name === 'string' && m.name ? m.name : m.id, price: perMillion(m.pricing), tools: toolSupport(m.supported_parameters), images: imageInput(m.architecture) }));
  } catch {
    return [];
  }
}

/** OpenRouter lists the request parameters a model takes: "tools" among them means tool calls. Other servers do not say (unknown). */
function toolSupport(parameters: unknown): boolean | undefined {
  return Array.isArray(parameters) ? parameters.includes('tools') : undefined;
}

/** OpenRouter lists each model's input modalities (`architecture.input_modalities`): "image" among them means it sees images. Other servers do not say (unknown). */
function imageInput(architecture: { input_modalities?: unknown } | undefined): boolean | undefined {
  const modalities = architecture?.input_modalities;
  return Array.isArray(modalities) ? modalities.includes('image') : undefined;
}

/** OpenRouter's pricing (US dollars per token, as strings) per million tokens; absent or unreadable: no price. */
function perMillion(pricing: { prompt?: unknown; completion?: unknown } | undefined): ModelOption['price'] {
  const input = Number(pricing?.prompt);
  const output = Number(pricing?.completion);
  if (!pricing || !Number.isFinite(input) || !Number.isFinite(output) || input < 0 || output < 0) return undefined;
  return { input: input * 1_000_000, output: output * 1_000_000 };
}
