import { streamText } from 'ai';
import type { ServerEnv } from '../env.server';
import { describeModelError, providerFor } from '../llm/chat-stream.server';

export interface PullRequestText {
  title: string;
  body: string;
  /** Null when the model wrote it; else why the plain fallback was used. */
  fallback: string | null;
}

const INSTRUCTIONS = `You write GitHub pull requests for changes made in an app builder. Answer with the pull request's title on the first line (imperative, at most 72 characters, no quotes, no "Title:"), then an empty line, then its description in Markdown: one sentence on what the change does and why, then a short list of the main changes. Do not invent changes that are not listed.`;

const FOOTER = '\n\n---\nMade with AppForge.';

/**
 * The title and body of a pull request, written by the model from what the user asked for, what
 * the answers said and which files changed. Without a model key, or when the model fails, a plain
 * title and body from the same facts (the pull request still opens; the caller says why).
 */
export async function writePullRequestText({ env, model, requests, summary, changes, signal }: { env: ServerEnv; model: string; requests: string[]; summary: string; changes: string[]; signal?: AbortSignal }): Promise<PullRequestText> {
  const plain = (fallback: string): PullRequestText => ({
    title: firstLine(requests.at(-1) ?? requests[0] ?? 'Changes from AppForge'),
    body: `${requests.map((r) => `> ${r.split('\n')[0].slice(0, 300)}`).join('\n')}\n\nChanged files:\n${changes.slice(0, 100).map((c) => `- ${c}`).join('\n')}${FOOTER}`,
    fallback,
  });
  if (env.usesOpenRouter && !env.OPENROUTER_API_KEY) return plain('no model key is configured');
  const facts = `What the user asked for, in order:\n${requests.map((r) => `- ${r.slice(0, 2000)}`).join('\n')}\n\nWhat the assistant said it did:\n${summary.slice(0, 4000) || '(nothing)'}\n\nChanged files (git status letters):\n${changes.slice(0, 200).join('\n')}\n\nWrite the pull request title and description.`;
  try {
    // Streamed like every other model call here (some OpenAI-compatible servers only stream).
    let failure: unknown;
    const result = streamText({
      model: providerFor(env).chat(model),
      instructions: INSTRUCTIONS,
      messages: [{ role: 'user', content: facts }],
      maxOutputTokens: 800,
      maxRetries: env.LLM_MAX_RETRIES,
      abortSignal: signal,
      timeout: { chunkMs: env.LLM_STALL_TIMEOUT_S * 1000 },
      onError: ({ error }) => {
        failure = error;
      },
    });
    const text = await result.text;
    if (failure) throw failure;
    const [head, ...rest] = text.trim().split('\n');
    const title = firstLine((head ?? '').replace(/^#+\s*|^title:\s*/i, '').replace(/^["'`]|["'`]$/g, ''));
    if (!title) return plain('the model answered with no title');
    return { title, body: `${rest.join('\n').trim()}${FOOTER}`, fallback: null };
  } catch (error) {
    if (signal?.aborted) throw error;
    return plain(`the model failed: ${describeModelError(error, env)}`);
  }
}

function firstLine(text: string): string {
  const line = text.trim().split('\n')[0].trim();
  return line.length > 72 ? `${line.slice(0, 71).trimEnd()}…` : line;
}
