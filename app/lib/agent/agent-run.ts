import { isToolUIPart, lastAssistantMessageIsCompleteWithToolCalls, type UIMessage } from 'ai';
import { atom, map } from 'nanostores';
import { errorMessage } from '../error-message';
import { answerMetadata, type AgentBudget } from '../llm/models';
import type { AgentTools } from './agent-tools';

/** The steps of an answer that called tools (each is one model request whose results go back to the model). */
export function toolSteps(message: Pick<UIMessage, 'parts'>): number {
  let steps = 0;
  let counted = false;
  for (const part of message.parts) {
    if (part.type === 'step-start') counted = false;
    else if (isToolUIPart(part) && !counted) {
      steps++;
      counted = true;
    }
  }
  return steps;
}

export type AgentDecision = { next: 'continue' } | { next: 'wait' } | { next: 'end'; note?: string };

/**
 * What the agent loop does after an answer's step or a tool's result: send the results back to
 * the model, wait for tools still running, or end (the model is done, the user stopped it, or a
 * budget is spent — then the note says which).
 */
export function decideAgent(messages: UIMessage[], budget: AgentBudget, stopped: boolean): AgentDecision {
  const last = messages.at(-1);
  if (!last || last.role !== 'assistant') return { next: 'end' };
  const lastStep = last.parts.slice(last.parts.findLastIndex((p) => p.type === 'step-start') + 1);
  if (!stopped && lastStep.some((p) => isToolUIPart(p) && (p.state === 'input-streaming' || p.state === 'input-available'))) return { next: 'wait' };
  // Stop says so itself (AgentRun.stop).
  if (stopped) return { next: 'end' };
  if (!lastAssistantMessageIsCompleteWithToolCalls({ messages })) return { next: 'end' };
  const steps = toolSteps(last);
  if (steps >= budget.maxSteps) {
    return { next: 'end', note: `The agent stopped: it used its ${budget.maxSteps} steps (AGENT_MAX_STEPS on the server). Say "go on" to let it continue.` };
  }
  const usage = answerMetadata(last.metadata)?.usage;
  const used = usage ? usage.inputTokens + usage.outputTokens : 0;
  if (used >= budget.tokenBudget) {
    return { next: 'end', note: `The agent stopped: this request has used ${used.toLocaleString('en-US')} tokens, its budget is ${budget.tokenBudget.toLocaleString('en-US')} (AGENT_TOKEN_BUDGET on the server).` };
  }
  return { next: 'continue' };
}

/** What the chat passes on to useChat's addToolOutput. */
export type ToolOutput =
  | { tool: string; toolCallId: string; output: unknown }
  | { tool: string; toolCallId: string; state: 'output-error'; errorText: string };

export interface ToolCallTiming {
  started: number;
  ended?: number;
}

/**
 * The agent loop on the browser's side: runs the model's tool calls one after another (in the
 * order the model made them) through AgentTools, reports their results, decides whether the
 * results go back to the model, and interrupts a running tool on Stop.
 */
export class AgentRun {
  /** From the first tool call of a request until the loop ends. */
  readonly active = atom(false);
  /** Why the last run ended, when it did not end by the model saying it is done. */
  readonly note = atom<string | null>(null);
  readonly timings = map<Record<string, ToolCallTiming>>({});
  #controller = new AbortController();
  #stopped = false;
  #queue: Promise<void> = Promise.resolve();

  constructor(
    private readonly tools: Pick<AgentTools, 'execute'>,
    private readonly budget: () => AgentBudget,
  ) {}

  /** A new request of the user's: a fresh budget, nothing stopped. */
  begin() {
    this.#stopped = false;
    this.#controller = new AbortController();
    this.note.set(null);
  }

  /** Stop: the running tool is interrupted, queued ones fail at once, and nothing more goes to the model. */
  stop() {
    this.#stopped = true;
    this.#controller.abort();
    if (this.active.get()) this.note.set('The agent was stopped.');
    this.active.set(false);
  }

  /** A tool call arrived (while the answer streams): queue it; its output is reported when done. */
  call(toolCall: { toolName: string; toolCallId: string; input: unknown }, report: (output: ToolOutput) => void) {
    this.active.set(true);
    const signal = this.#controller.signal;
    const { toolName: tool, toolCallId } = toolCall;
    this.#queue = this.#queue.then(async () => {
      const started = Date.now();
      this.timings.setKey(toolCallId, { started });
      try {
        const output = await this.tools.execute(tool, toolCall.input, signal);
        const ms = Date.now() - started;
        report({ tool, toolCallId, output: output && typeof output === 'object' && !Array.isArray(output) ? { ...output, ms } : output });
      } catch (error) {
        report({ tool, toolCallId, state: 'output-error', errorText: errorMessage(error) });
      } finally {
        this.timings.setKey(toolCallId, { started, ended: Date.now() });
      }
    });
  }

  /** Asked after each answer and each tool result: whether the results go back to the model now. */
  shouldContinue(messages: UIMessage[]): boolean {
    const decision = decideAgent(messages, this.budget(), this.#stopped);
    if (decision.next === 'end') this.#end(decision.note);
    return decision.next === 'continue';
  }

  /** An answer's stream ended: an error or abort ends the run; otherwise as shouldContinue decides. */
  finished(messages: UIMessage[], failed: boolean) {
    if (failed) this.#end();
    else if (decideAgent(messages, this.budget(), this.#stopped).next === 'end') this.shouldContinue(messages);
  }

  #end(note?: string) {
    if (note) this.note.set(note);
    this.active.set(false);
  }
}
