/** Shared between the server and the browser: a model the picker offers. */
export interface ModelOption {
  id: string;
  label: string;
  /** US dollars per million tokens, when the provider's model list gives them. */
  price?: { input: number; output: number };
  /** Whether the model can call tools (agent mode); absent: not known (a local model server does not say). */
  tools?: boolean;
  /** Whether the model takes images as input; absent: not known (the browser asks the person once). */
  images?: boolean;
}

/** GET /api/models: what the picker offers, and the budget auto-fix keeps to. */
export interface ModelList {
  models: ModelOption[];
  defaultModel: string;
  /** Whether the list came from the model server (not only the curated one). */
  remote: boolean;
  /**
   * False while the model server's list (prices, tools, images) is not in yet: the server is still
   * asking, or its last answer failed. The browser asks again shortly rather than keep a list without prices.
   */
  complete: boolean;
  /** Tokens (in + out) a chat may use before auto-fix stops. */
  autoFixTokenBudget: number;
  /** How far one agent-mode request may go. */
  agent: AgentBudget;
  /** Whether prompts can reach a model (a key, or a local model server); templates work without. */
  keyConfigured: boolean;
}

/** How far one agent-mode request (the user's, with all the tool steps it takes) may go. */
export interface AgentBudget {
  /** Model requests that call tools. */
  maxSteps: number;
  /** Tokens (in + out) over all of the run's requests. */
  tokenBudget: number;
}

/** What one answer cost, as the provider counted it (an assistant message's metadata `usage`). */
export interface AnswerUsage {
  inputTokens: number;
  outputTokens: number;
}

/** An assistant message's metadata: its usage, and the model that answered. */
export interface AnswerMetadata {
  usage: AnswerUsage;
  model: string;
  /** The answer's length was capped at this many tokens because the account's balance covered no more. */
  cappedAt?: number;
}

/** The metadata of an answer, if it has it (older messages, and answers cut before the end, do not). */
export function answerMetadata(metadata: unknown): AnswerMetadata | undefined {
  const m = metadata as Partial<AnswerMetadata> | undefined;
  if (!m?.usage || typeof m.usage.inputTokens !== 'number' || typeof m.usage.outputTokens !== 'number') return undefined;
  return { usage: { inputTokens: m.usage.inputTokens, outputTokens: m.usage.outputTokens }, model: typeof m.model === 'string' ? m.model : '', ...(typeof m.cappedAt === 'number' ? { cappedAt: m.cappedAt } : {}) };
}

/** Tokens and cost of a list of answers (a chat); cost only when every answer has a price. */
export function totalUsage(answers: Array<AnswerMetadata | undefined>, priceOf: (model: string) => ModelOption['price']) {
  let inputTokens = 0;
  let outputTokens = 0;
  let cost: number | undefined = 0;
  for (const answer of answers) {
    if (!answer) continue;
    inputTokens += answer.usage.inputTokens;
    outputTokens += answer.usage.outputTokens;
    const part = usageCost(answer.usage, priceOf(answer.model));
    cost = cost === undefined || part === undefined ? undefined : cost + part;
  }
  return { inputTokens, outputTokens, cost };
}

/** "1,234 in · 567 out · $0.0123" */
export function formatUsage(usage: AnswerUsage, cost: number | undefined): string {
  const n = (value: number) => value.toLocaleString('en-US');
  const dollars = cost === undefined ? '' : ` · $${cost < 0.01 ? cost.toFixed(4) : cost.toFixed(2)}`;
  return `${n(usage.inputTokens)} in · ${n(usage.outputTokens)} out${dollars}`;
}

/** The cost of `usage` at `price`, in US dollars. */
export function usageCost(usage: AnswerUsage, price: ModelOption['price']): number | undefined {
  if (!price) return undefined;
  return (usage.inputTokens * price.input + usage.outputTokens * price.output) / 1_000_000;
}

/** Shown even when the provider's model list cannot be fetched. */
export const CURATED_MODELS: ModelOption[] = [
  { id: 'anthropic/claude-sonnet-4.5', label: 'Claude Sonnet 4.5', tools: true, images: true },
  { id: 'openai/gpt-5', label: 'GPT-5', tools: true, images: true },
  { id: 'google/gemini-2.5-pro', label: 'Gemini 2.5 Pro', tools: true, images: true },
  { id: 'deepseek/deepseek-chat-v3.1', label: 'DeepSeek V3.1', tools: true, images: false },
  { id: 'qwen/qwen3-coder', label: 'Qwen3 Coder', tools: true, images: false },
];
