import { useStore } from '@nanostores/react';
import { getToolName, isToolUIPart, type UIMessage } from 'ai';
import { useEffect, useState } from 'react';
import type { AgentRun, ToolCallTiming } from '~/lib/agent/agent-run';
import { toolNameOfPart, type ToolName } from '~/lib/agent/tool-specs';

const VERBS: Record<ToolName, string> = {
  run_command: 'Run',
  read_file: 'Read',
  list_files: 'List',
  search_files: 'Search',
  write_file: 'Write',
  edit_file: 'Edit',
  get_problems: 'Problems',
};

/** What a tool call acted on, in one line: the command, the file, the query. */
function subject(input: Record<string, unknown>): string {
  const value = input.command ?? input.path ?? input.query;
  return typeof value === 'string' ? value : '';
}

/** The outcome in a few words: "exit 1", "42 lines", "3 matches". */
function outcome(name: ToolName | undefined, output: Record<string, unknown>): string {
  if (name === 'run_command') return output.timedOut ? 'timed out' : `exit ${String(output.exitCode)}`;
  if (name === 'search_files') return `${String(output.total)} matches`;
  if (name === 'list_files') return `${String(output.total)} files`;
  if (name === 'get_problems') return `${(output.problems as unknown[] | undefined)?.length ?? 0} problems`;
  if (name === 'read_file') return `lines ${String(output.lines)}`;
  return 'done';
}

/** Long inputs (a whole file) are cut in the card; the model got them whole. */
function shown(value: unknown): string {
  const text = typeof value === 'string' ? value : JSON.stringify(value, null, 2);
  return text.length > 4000 ? `${text.slice(0, 4000)}\n… (${text.length - 4000} more characters)` : text;
}

/** An agent tool call in the chat: what it did, its state and time, and its input and output on demand. */
export function ToolCard({ message, toolCallId, agent }: { message: UIMessage; toolCallId: string; agent: AgentRun }) {
  const part = message.parts.find((p) => isToolUIPart(p) && p.toolCallId === toolCallId);
  const timing = useStore(agent.timings, { keys: [toolCallId] })[toolCallId];
  const active = useStore(agent.active);
  if (!part || !isToolUIPart(part)) return null;
  const name = toolNameOfPart(part.type);
  const input = (part.input ?? {}) as Record<string, unknown>;
  const output = (part.state === 'output-available' && part.output && typeof part.output === 'object' ? part.output : {}) as Record<string, unknown>;
  // A call without a result and no agent running: the page was closed while it ran.
  const state = part.state === 'output-error' ? 'failed' : part.state === 'output-available' ? 'complete' : timing ? 'running' : active ? 'pending' : 'interrupted';
  const failed = state === 'failed' || state === 'interrupted' || (name === 'run_command' && state === 'complete' && output.exitCode !== 0);
  const color = failed ? 'text-red-600 dark:text-red-400' : state === 'complete' ? 'text-green-600 dark:text-green-400' : 'muted';
  const ms = typeof output.ms === 'number' ? output.ms : timing?.ended ? timing.ended - timing.started : undefined;
  const { ms: _ms, ...result } = output;
  return (
    <section aria-label={`Tool call ${getToolName(part)}`} data-testid="tool-call" data-tool={getToolName(part)} data-state={state} className="my-2 rounded-lg border border-gray-300 text-sm dark:border-gray-700">
      <div className="flex items-center gap-2 px-3 py-1.5">
        <span aria-hidden className={color}>
          {state === 'running' ? '◐' : state === 'pending' ? '○' : failed ? '✕' : '✓'}
        </span>
        <span className="muted w-16 shrink-0 text-xs">{name ? VERBS[name] : getToolName(part)}</span>
        <code className="min-w-0 flex-1 truncate" title={subject(input)}>
          {subject(input)}
        </code>
        <span className={`shrink-0 text-xs ${color}`} data-testid="tool-outcome">
          {state === 'running' && timing ? <Elapsed timing={timing} /> : state === 'complete' ? outcome(name, output) : state === 'pending' ? 'waiting' : state}
          {ms !== undefined && state !== 'running' ? ` · ${(ms / 1000).toFixed(1)}s` : ''}
        </span>
      </div>
      {part.state === 'output-error' && (
        <p role="note" className="px-3 pb-1.5 text-xs text-red-600 dark:text-red-400">
          {part.errorText}
        </p>
      )}
      <details className="border-t border-gray-200 px-3 py-1.5 dark:border-gray-700">
        <summary className="muted cursor-pointer text-xs">Input and output</summary>
        <pre className="mt-1 max-h-60 overflow-auto whitespace-pre-wrap text-xs">{shown(input)}</pre>
        {part.state === 'output-available' && (
          <pre data-testid="tool-output" className="mt-1 max-h-60 overflow-auto whitespace-pre-wrap border-t border-gray-100 pt-1 text-xs dark:border-gray-800">
            {name === 'run_command' ? String(result.output ?? '') : name === 'read_file' ? String(result.content ?? '') : shown(result)}
          </pre>
        )}
      </details>
    </section>
  );
}

function Elapsed({ timing }: { timing: ToolCallTiming }) {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), 500);
    return () => clearInterval(timer);
  }, []);
  return <>running {Math.max(0, Math.floor((now - timing.started) / 1000))}s</>;
}
