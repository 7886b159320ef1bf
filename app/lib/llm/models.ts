/** Shared between the server and the browser: a model the picker offers. */
export interface ModelOption {
  id: string;
  label: string;
}

/** Shown even when the provider's model list cannot be fetched. */
export const CURATED_MODELS: ModelOption[] = [
  { id: 'anthropic/claude-sonnet-4.5', label: 'Claude Sonnet 4.5' },
  { id: 'openai/gpt-5', label: 'GPT-5' },
  { id: 'google/gemini-2.5-pro', label: 'Gemini 2.5 Pro' },
  { id: 'deepseek/deepseek-chat-v3.1', label: 'DeepSeek V3.1' },
  { id: 'qwen/qwen3-coder', label: 'Qwen3 Coder' },
];
