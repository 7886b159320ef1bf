import { isStepCount, streamText, tool, type FlexibleSchema, type StopCondition, type ToolSet } from 'ai';
import type { ServerEnv } from '../env.server';
import { errorMessage } from '../error-message';
import type { RepoEvent } from '../git/repo-events';
import type { RepoWorkspace } from '../git/repo-workspace.server';
import { describeModelError, providerFor } from '../llm/chat-stream.server';
import { AGENT_PROMPT } from '../llm/system-prompt';
import { FilesStore } from '../stores/files';
import { AgentTools } from './agent-tools';
import { sandboxSearch } from './sandbox-search.server';
import { TOOL_DESCRIPTIONS, TOOL_NAMES, toolInputs, type CommandOutput } from './tool-specs';

/** A run has no preview, and its result is a pull request, not a running app. */
const RUN_PROMPT = `${AGENT_PROMPT}

This task runs unattended on a clone of a repository in a sandbox, with no preview and no one to answer questions: your changes become a pull request when you finish. Never start servers or the app's start command; check your work with commands that finish (tests, builds, linters). Keep changes to what the task asks.`;

/** What events carry of a tool's output: enough to follow a run, not a flood. */
const EVENT_OUTPUT_CHARS = 4_000;

/**
 * Agent mode on the server, for the runs API: the same tools and the same AgentTools as in the
 * browser, acting on a sandbox (commands through the sandbox service; the project as a files
 * store whose writes are copied into the sandbox, and which re-reads the sandbox after each
 * command). Every step is reported as an event. Bounded by AGENT_MAX_STEPS and AGENT_TOKEN_BUDGET.
 */
export async function runAgentInSandbox({ env, model, task, workspace, files, signal, emit }: {
  env: ServerEnv;
  model: string;
  /** The user's prompt, with the repository's facts before it. */
  task: string;
  workspace: RepoWorkspace;
  files: Record<string, string>;
  signal: AbortSignal;
  emit: (event: RepoEvent) => void;
}): Promise<{ summary: string; steps: number }> {
  const store = new FilesStore();
  store.files.set({ ...files });
  // Writes reach the sandbox in order; a command or the commit waits for those before it.
  let written: Promise<void> = Promise.resolve();
  const sandbox = {
    exec: async (command: string, options: { onOutput: (chunk: string) => void; signal?: AbortSignal; timeoutMs?: number }) => {
      await written;
      return workspace.service.exec(workspace.owner, workspace.id, command, options);
    },
  };
  const agentTools = new AgentTools({
    files: store,
    awaitRuntime: async () => sandbox,
    afterCommand: async () => {
      // Commands create and change files (lockfiles, generated code): the next read sees them.
      for (const entry of await workspace.service.readTree(workspace.owner, workspace.id)) {
        if (entry.content !== undefined && store.files.get()[entry.path] !== entry.content) store.set(entry.path, entry.content);
      }
    },
    problems: () => [],
    // Command output reaches the run's events through the tool's result.
    terminal: { output() {}, command() {}, error() {}, notice() {} },
    onWrite: (path, content) => {
      written = written.then(() => workspace.service.writeFiles(workspace.owner, workspace.id, [{ path, content }]));
    },
    // Searching costs the sandbox, never the server's event loop (a query can be made to backtrack).
    search: sandboxSearch((command, options) => sandbox.exec(command, options)),
  });
  const names = TOOL_NAMES.filter((name) => name !== 'get_problems');
  const tools: ToolSet = Object.fromEntries(
    names.map((name) => [
      name,
      tool({
        description: TOOL_DESCRIPTIONS[name],
        inputSchema: toolInputs[name] as FlexibleSchema<unknown>,
        execute: (input: unknown, { abortSignal }: { abortSignal?: AbortSignal }) => agentTools.execute(name, input, abortSignal ?? signal),
      }),
    ]),
  );
  let tokens = 0;
  const overBudget: StopCondition<ToolSet> = () => tokens >= env.AGENT_TOKEN_BUDGET;
  const started = new Map<string, number>();
  let text = '';
  let summary = '';
  let steps = 0;
  const result = streamText({
    model: providerFor(env).chat(model),
    instructions: RUN_PROMPT,
    messages: [{ role: 'user', content: task }],
    tools,
    stopWhen: [isStepCount(env.AGENT_MAX_STEPS), overBudget],
    abortSignal: signal,
    maxRetries: env.LLM_MAX_RETRIES,
    maxOutputTokens: env.LLM_MAX_OUTPUT_TOKENS,
    timeout: { chunkMs: env.LLM_STALL_TIMEOUT_S * 1000 },
    onError: ({ error }) => console.warn(`run: ${describeModelError(error, env)}`),
    onStepFinish: ({ usage }) => {
      tokens += (usage.inputTokens ?? 0) + (usage.outputTokens ?? 0);
    },
  });
  for await (const part of result.fullStream) {
    switch (part.type) {
      case 'text-delta':
        text += part.text;
        break;
      case 'tool-call':
        started.set(part.toolCallId, Date.now());
        emit({ type: 'tool_call', id: part.toolCallId, name: part.toolName, input: part.input });
        break;
      case 'tool-result': {
        const ms = Date.now() - (started.get(part.toolCallId) ?? Date.now());
        emit({ type: 'tool_result', id: part.toolCallId, name: part.toolName, ok: true, output: clipped(part.output), ms });
        const input = part.input as { path?: string; command?: string };
        if ((part.toolName === 'write_file' || part.toolName === 'edit_file') && input.path) emit({ type: 'file_edit', path: (part.output as { path?: string }).path ?? input.path });
        if (part.toolName === 'run_command') {
          const output = part.output as CommandOutput;
          emit({ type: 'command_output', command: input.command ?? '', exitCode: output.exitCode, output: output.output.slice(-EVENT_OUTPUT_CHARS) });
        }
        break;
      }
      case 'tool-error':
        emit({ type: 'tool_result', id: part.toolCallId, name: part.toolName, ok: false, output: errorMessage(part.error), ms: Date.now() - (started.get(part.toolCallId) ?? Date.now()) });
        break;
      case 'finish-step':
        steps++;
        if (text.trim()) {
          summary = text.trim();
          emit({ type: 'agent_message', text: summary });
        }
        text = '';
        break;
      case 'error':
        throw new RunModelError(describeModelError(part.error, env));
      case 'abort':
        throw new RunModelError(signal.aborted ? 'The run was stopped.' : 'The model stopped answering.');
    }
  }
  await written;
  return { summary, steps };
}

export class RunModelError extends Error {
  override name = 'RunModelError';
  readonly expose = true;
  readonly status = 502;
}

function clipped(output: unknown): unknown {
  const json = JSON.stringify(output) ?? '';
  return json.length <= EVENT_OUTPUT_CHARS ? output : `${json.slice(0, EVENT_OUTPUT_CHARS)}…`;
}
