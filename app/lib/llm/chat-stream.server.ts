import { createOpenRouter } from '@openrouter/ai-sdk-provider';
import {
  APICallError,
  InvalidToolInputError,
  NoSuchToolError,
  StreamProviderError,
  convertToModelMessages,
  createUIMessageStream,
  createUIMessageStreamResponse,
  streamText,
  tool,
  type ModelMessage,
  type FlexibleSchema,
  type ToolSet,
  type UIMessage,
} from 'ai';
import type { ServerEnv } from '../env.server';
import { AGENT_PROMPT, CONTINUE_PROMPT, SYSTEM_PROMPT } from './system-prompt';
import { answerMetadata, type AnswerMetadata, type AnswerUsage } from './models';
import { TOOL_DESCRIPTIONS, TOOL_NAMES, toolInputs } from '../agent/tool-specs';
import { contextPrompt, type ProjectContext } from './project-context';
import { APP_NAME, appHostUrl } from './attribution.server';
import { pickPrompt, type PreviewPick } from '../preview/element-picker';
import { PICKS_PART } from '../preview/preview-picks';

export interface ChatStreamOptions {
  env: ServerEnv;
  messages: UIMessage[];
  model: string;
  /** The project summary a follow-up carries; it goes before the user's last message. */
  projectContext?: ProjectContext;
  /** Agent mode: the model gets the tools (run in the browser: none has an `execute` here). */
  agent?: boolean;
  /** The app's public URL, sent to OpenRouter as HTTP-Referer (its app attribution). */
  appUrl?: string;
  signal: AbortSignal;
}

/** Agent mode's tools as the model sees them; the browser runs the calls (agent/agent-tools.ts). */
const AGENT_TOOLS: ToolSet = Object.fromEntries(TOOL_NAMES.map((name) => [name, tool({ description: TOOL_DESCRIPTIONS[name], inputSchema: toolInputs[name] as FlexibleSchema<unknown> })]));

/**
 * Streams the model's answer as a UI message stream. When the model stops at its output limit
 * (finish reason `length`) the answer is continued in a new request and merged into the same
 * message, so a long project is not cut. Faults end the stream with a user-facing error chunk;
 * whatever was streamed before the fault has already reached the client.
 */
let providerCache: { env: ServerEnv; provider: ReturnType<typeof createOpenRouter> } | undefined;

/** One provider per configuration, not per request. */
export function providerFor(env: ServerEnv) {
  if (providerCache?.env !== env) {
    const provider = createOpenRouter({
      baseURL: env.OPENROUTER_BASE_URL,
      apiKey: env.OPENROUTER_API_KEY || 'not-needed',
      compatibility: env.usesOpenRouter ? 'strict' : 'compatible',
      // Attribution: appName is sent as X-OpenRouter-Title; X-Title is the name OpenRouter's docs still accept.
      // With APP_HOST every call has the app's URL (runs, pull request text); a chat request may name its page.
      appName: APP_NAME,
      appUrl: env.APP_HOST ? appHostUrl(env.APP_HOST) : undefined,
      headers: { 'X-Title': APP_NAME },
    });
    providerCache = { env, provider };
  }
  return providerCache.provider;
}

export function streamChat({ env, messages, model, projectContext, agent = false, appUrl, signal }: ChatStreamOptions): Response {
  const provider = providerFor(env);
  const describe = (error: unknown) => describeModelError(error, env);
  // A tool call the model got wrong (bad input, a tool that does not exist) becomes that call's
  // error, which goes back to the model as it is, so it can correct itself on the next step.
  let failure: unknown;
  const describeForStream = (error: unknown) => {
    failure = error;
    return InvalidToolInputError.isInstance(error) || NoSuchToolError.isInstance(error) ? error.message.slice(0, 2000) : describe(error);
  };

  const stream = createUIMessageStream({
    onError: describe,
    execute: async ({ writer }) => {
      const tools = agent ? AGENT_TOOLS : undefined;
      // Elements picked in the preview reach the model as text (selector, source file and line, HTML).
      const convertDataPart = (part: { type: string; data: unknown }) => (part.type === PICKS_PART ? { type: 'text' as const, text: pickPrompt((part.data as { picks: PreviewPick[] }).picks) } : undefined);
      let history: ModelMessage[] = withContext(await convertToModelMessages(messages, { tools, convertDataPart }), projectContext);
      // Tokens of every request this answer took (continuations included), sent with the message;
      // an agent's next step continues the same answer, so its tokens add to what that answer has.
      const last = messages.at(-1);
      const usage: AnswerUsage = { ...((last?.role === 'assistant' && answerMetadata(last.metadata)?.usage) || { inputTokens: 0, outputTokens: 0 }) };
      // A small balance: OpenRouter refuses a request whose max_tokens it cannot cover, and says
      // what it can; the answer is asked again within that (once per lower figure) and says so.
      let maxOutputTokens = env.LLM_MAX_OUTPUT_TOKENS;
      let cappedAt: number | undefined;
      let started = false;
      const sendUsage = () => writer.write({ type: 'message-metadata', messageMetadata: { usage, model, ...(cappedAt ? { cappedAt } : {}) } satisfies AnswerMetadata });
      for (let segment = 0; ; segment++) {
        // Read from onFinish rather than result.finishReason/result.text: those getters tee
        // the whole stream a second time.
        let finished: { finishReason: string; text: string } | undefined;
        const result = streamText({
          model: provider.chat(model),
          instructions: agent ? AGENT_PROMPT : SYSTEM_PROMPT,
          messages: history,
          tools,
          headers: appUrl ? { 'HTTP-Referer': appUrl } : undefined,
          abortSignal: signal,
          maxRetries: env.LLM_MAX_RETRIES,
          maxOutputTokens,
          timeout: { chunkMs: env.LLM_STALL_TIMEOUT_S * 1000 },
          // One line for the server log instead of the SDK's dump of the whole request.
          onError: ({ error }) => console.warn(`chat: ${describe(error)}`),
          onFinish: ({ finishReason, text, totalUsage }) => {
            finished = { finishReason, text };
            usage.inputTokens += totalUsage.inputTokens ?? 0;
            usage.outputTokens += totalUsage.outputTokens ?? 0;
          },
        });
        // Chunks are relayed one by one (rather than merged) so that a stall, which the SDK
        // reports as an abort, becomes an error the user sees, and nothing follows a fault.
        // originalMessages: an agent's next step continues the answer it belongs to (same message id).
        let retry = false;
        for await (const chunk of result.toUIMessageStream({ originalMessages: messages, sendStart: !started, sendFinish: false, onError: describeForStream })) {
          if (chunk.type === 'abort') {
            if (!signal.aborted) writer.write({ type: 'error', errorText: stalledMessage(env) });
            return;
          }
          if (chunk.type === 'error') {
            const affordable = affordableTokens(failure);
            if (affordable !== undefined && affordable >= MIN_AFFORDABLE_TOKENS && affordable < maxOutputTokens) {
              maxOutputTokens = cappedAt = affordable;
              retry = true;
              break;
            }
          }
          if (chunk.type === 'start') started = true;
          writer.write(chunk);
          if (chunk.type === 'error') return;
        }
        if (retry) {
          segment--;
          continue;
        }
        sendUsage();
        if (finished?.finishReason !== 'length' || segment >= env.LLM_MAX_CONTINUATIONS) break;
        history = [...history, { role: 'assistant', content: finished.text }, { role: 'user', content: CONTINUE_PROMPT }];
      }
      writer.write({ type: 'finish' });
    },
  });
  return createUIMessageStreamResponse({ stream });
}

/**
 * The project summary put first in the user's last message (one user turn: providers that want
 * turns to alternate get that). An agent's later steps put it in the same place again.
 */
function withContext(history: ModelMessage[], context: ProjectContext | undefined): ModelMessage[] {
  const text = context ? contextPrompt(context) : '';
  const index = history.findLastIndex((m) => m.role === 'user');
  const message = history[index];
  if (!text || message?.role !== 'user') return history;
  const request = typeof message.content === 'string' ? [{ type: 'text' as const, text: message.content }] : message.content;
  return history.with(index, { role: 'user', content: [{ type: 'text', text }, ...request] });
}

type ErrorEnv = Pick<ServerEnv, 'LLM_STALL_TIMEOUT_S' | 'usesOpenRouter'>;

const providerName = (env: Pick<ServerEnv, 'usesOpenRouter'>) => (env.usesOpenRouter ? 'OpenRouter' : 'the model server');
const capitalized = (text: string) => text[0].toUpperCase() + text.slice(1);

export function stalledMessage(env: ErrorEnv) {
  return `${capitalized(providerName(env))} sent nothing for ${env.LLM_STALL_TIMEOUT_S} seconds, so the answer was ended. What arrived is kept; press Retry to ask again.`;
}

/** One place that turns provider faults into sentences a user can act on. No secret is included. */
export function describeModelError(error: unknown, env: ErrorEnv): string {
  const provider = providerName(env);
  const Provider = capitalized(provider);
  const text = errorText(error);
  const apiError = findApiError(error);
  const status = apiError?.statusCode;
  if (apiError && status !== undefined && status >= 400) {
    const detail = providerMessage(apiError.responseBody);
    const suffix = detail ? ` (${detail})` : '';
    if (status === 401 || status === 403) {
      return `${Provider} rejected the API key (HTTP ${status})${suffix}. Check OPENROUTER_API_KEY in the server's .env, restart, then press Retry.`;
    }
    if (status === 402) {
      const affordable = affordableTokens(error);
      if (affordable !== undefined && affordable >= MIN_AFFORDABLE_TOKENS) return `${Provider} refused the request: the account's balance covers only ${affordable.toLocaleString('en-US')} tokens of answer (HTTP 402), so it is asked again within that.`;
      if (affordable !== undefined) return `${Provider} refused the request: the account's balance covers only ${affordable.toLocaleString('en-US')} tokens of answer, too few for one (HTTP 402). Add credits at ${CREDITS_URL}, then press Retry.`;
      return `${Provider} refused the request: the account is out of credits (HTTP 402)${suffix}. Add credits at ${CREDITS_URL}, then press Retry.`;
    }
    if (status === 404) return `${Provider} does not know this model (HTTP 404)${suffix}. Pick another model and press Retry.`;
    if (status === 429) return `${Provider} is rate-limiting requests (HTTP 429)${suffix}. Wait a minute, then press Retry.`;
    if (status >= 500) return `${Provider} failed with HTTP ${status}${suffix}. This is usually temporary: press Retry.`;
    return `${Provider} rejected the request with HTTP ${status}${suffix}.`;
  }
  // OpenRouter's mid-stream error (HTTP 200 was sent, then an `error` chunk): the upstream provider's own words.
  const streamError = findError(error, (e) => StreamProviderError.isInstance(e));
  if (streamError) {
    return `${Provider} reported an error in the middle of the answer: ${streamError.message.slice(0, 300).replace(/\.+$/, '')}. What arrived is kept; press Retry to ask again.`;
  }
  if (/timeout|timed out/i.test(text)) return stalledMessage(env);
  if (/other side closed|terminated|ECONNRESET|socket|premature|aborted/i.test(text)) {
    return `The connection to ${provider} was cut in the middle of the answer. What arrived is kept; press Retry to ask again.`;
  }
  if (/ECONNREFUSED|ENOTFOUND|EAI_AGAIN|fetch failed|Cannot connect/i.test(text)) {
    return `Could not reach ${provider} at the configured OPENROUTER_BASE_URL (${text.slice(0, 160)}). Check that it is running, then press Retry.`;
  }
  return `The model request failed: ${text.slice(0, 300)}. Press Retry to ask again.`;
}

const CREDITS_URL = 'https://openrouter.ai/settings/credits';
/** Below this, a capped answer is not worth asking for: the person is told to add credits instead. */
export const MIN_AFFORDABLE_TOKENS = 1_000;

/** OpenRouter's credit pre-check (402 "… You requested up to N tokens, but can only afford M …"): M. */
export function affordableTokens(error: unknown): number | undefined {
  const apiError = findApiError(error);
  if (apiError?.statusCode !== 402) return undefined;
  const match = /can only afford (\d+)/.exec(`${apiError.responseBody ?? ''} ${apiError.message}`);
  return match ? Number(match[1]) : undefined;
}

function findApiError(error: unknown): APICallError | undefined {
  return findError(error, (e) => APICallError.isInstance(e));
}

/** The error of a kind inside what the SDK reports (a retry's last error, a cause). */
function findError<T>(error: unknown, is: (e: unknown) => e is T): T | undefined {
  for (let e: unknown = error, depth = 0; e && depth < 5; depth++) {
    if (is(e)) return e;
    const errors = (e as { errors?: unknown[] }).errors;
    if (Array.isArray(errors) && errors.length) {
      const last = errors[errors.length - 1];
      if (is(last)) return last;
    }
    e = (e as { lastError?: unknown; cause?: unknown }).lastError ?? (e as { cause?: unknown }).cause;
  }
  return undefined;
}

function providerMessage(body: string | undefined): string | undefined {
  if (!body) return undefined;
  try {
    const parsed = JSON.parse(body) as { error?: { message?: unknown } | string; message?: unknown };
    const message = typeof parsed.error === 'string' ? parsed.error : (parsed.error?.message ?? parsed.message);
    return typeof message === 'string' ? message.slice(0, 200) : undefined;
  } catch {
    return body.slice(0, 200);
  }
}

function errorText(error: unknown): string {
  const parts: string[] = [];
  for (let e: unknown = error, depth = 0; e && depth < 5; depth++) {
    if (e instanceof Error) parts.push(`${e.name}: ${e.message}`);
    else parts.push(String(e));
    e = (e as { cause?: unknown }).cause;
  }
  return parts.join(' / ');
}

