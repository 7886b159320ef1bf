import { z } from 'zod/mini';

/**
 * The tools of agent mode, shared by the server (which offers them to the model, without an
 * `execute`: they run in the browser) and the browser (which checks each call's input against
 * the same schema and runs it on the chat's runtime). Browser-safe: zod/mini only.
 */

/** Bounds on what a tool call returns to the model, so one call cannot flood its context. */
export const TOOL_LIMITS = {
  /** The tail of a command's output the model gets. */
  outputChars: 8_000,
  /** One read_file answer (page on with startLine). */
  readChars: 20_000,
  listEntries: 500,
  searchMatches: 50,
  matchLineChars: 200,
  writeChars: 1_000_000,
  commandTimeoutS: { default: 60, max: 300 },
} as const;

const path = z.string().check(z.minLength(1), z.maxLength(500));

export const toolInputs = {
  run_command: z.object({
    command: z.string().check(z.minLength(1), z.maxLength(2_000)),
    timeoutSeconds: z.optional(z.number().check(z.int(), z.minimum(1), z.maximum(TOOL_LIMITS.commandTimeoutS.max))),
  }),
  read_file: z.object({ path, startLine: z.optional(z.number().check(z.int(), z.minimum(1))) }),
  list_files: z.object({ path: z.optional(z.string().check(z.maxLength(500))) }),
  search_files: z.object({
    query: z.string().check(z.minLength(1), z.maxLength(500)),
    regex: z.optional(z.boolean()),
    path: z.optional(z.string().check(z.maxLength(500))),
  }),
  write_file: z.object({ path, content: z.string().check(z.maxLength(TOOL_LIMITS.writeChars)) }),
  edit_file: z.object({ path, oldText: z.string().check(z.minLength(1), z.maxLength(TOOL_LIMITS.writeChars)), newText: z.string().check(z.maxLength(TOOL_LIMITS.writeChars)) }),
  get_problems: z.object({}),
} as const;

export type ToolName = keyof typeof toolInputs;
export type ToolInput<N extends ToolName> = z.infer<(typeof toolInputs)[N]>;
export const TOOL_NAMES = Object.keys(toolInputs) as ToolName[];

export function isToolName(name: string): name is ToolName {
  return Object.hasOwn(toolInputs, name);
}

/** What the model reads about each tool. */
export const TOOL_DESCRIPTIONS: Record<ToolName, string> = {
  run_command: `Run a shell command in the project's folder (the app's runtime: a Linux sandbox or the browser's Node) and wait for it to finish. Returns the exit code and the last ${TOOL_LIMITS.outputChars} characters of output. It is killed after timeoutSeconds (default ${TOOL_LIMITS.commandTimeoutS.default}); do not start dev servers with it: the workbench runs the app's start command.`,
  read_file: `Read a project file. Returns up to ${TOOL_LIMITS.readChars} characters from startLine (default 1) and how many lines the file has.`,
  list_files: 'List the project files (with their sizes in characters), optionally only those under a folder.',
  search_files: `Search the project files line by line for text (or, when regex is true, a regular expression in RE2 syntax: no backreferences or lookaround), optionally under a folder. Returns up to ${TOOL_LIMITS.searchMatches} matches as path:line: text, and says when the search was partial (very long lines, very large projects).`,
  write_file: 'Create or replace a project file with the complete content given. Paths are relative to the project root.',
  edit_file: 'Replace the one place in a project file where oldText occurs (exactly, including whitespace) with newText. Fails when oldText occurs nowhere or more than once: then give more surrounding lines.',
  get_problems: 'The problems the workbench has seen in the app: failed commands, a crashed server, build errors and errors in the preview page.',
};

/** A tool part of an assistant message as the UI shows it ("tool-run_command" → run_command). */
export function toolNameOfPart(type: string): ToolName | undefined {
  const name = type.startsWith('tool-') ? type.slice(5) : '';
  return isToolName(name) ? name : undefined;
}

export interface CommandOutput {
  exitCode: number | null;
  output: string;
  /** The output was longer; only its end is here. */
  truncated: boolean;
  timedOut?: boolean;
}
