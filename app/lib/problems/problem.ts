/**
 * A failure of the app, captured where it happens (a command, the dev server, the preview page)
 * in one shape, so that the chat can show it, a follow-up can explain it to the model, and
 * repeats can be recognised by their signature.
 */
export type ProblemKind = 'command' | 'start' | 'build' | 'runtime' | 'http';

/**
 * Who says so: the runtime itself (a command's exit code, the server's exit), or the preview
 * page (the reporter script, WebContainer's forwarded preview errors). A page can post anything,
 * so what it reports is untrusted text: quoted in the fix prompt, never auto-fixed by an agent.
 */
export type ProblemOrigin = 'runtime' | 'page';

export interface ProblemReport {
  kind: ProblemKind;
  origin: ProblemOrigin;
  /** One line a person reads first. */
  message: string;
  /** file:line (or just the file) when known. */
  where?: string;
  /** The last lines of the output, or a stack. */
  output?: string;
}

export interface Problem extends ProblemReport {
  /** The same failure again has the same signature (see problemSignature). */
  signature: string;
  /** How many times it was reported. */
  count: number;
  at: number;
}

const OUTPUT_LINES = 40;

/** The text without colour codes and cursor movements. */
export function stripAnsi(text: string) {
  return text.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, '');
}
const OUTPUT_CHARS = 4000;

/** The end of an output, as much as helps: the last 40 lines, at most 4,000 characters. */
export function outputTail(output: string): string {
  // Colours and cursor movements mean nothing to the model or in the chat.
  const plain = stripAnsi(output).replace(/\r(?!\n)/g, '\n');
  return plain.split('\n').filter((line) => line.trim()).slice(-OUTPUT_LINES).join('\n').slice(-OUTPUT_CHARS);
}

const SOURCE_FILE = /((?:[\w@.-]+\/)*[\w@-][\w@.-]*\.(?:[cm]?[jt]sx?|vue|svelte|css|scss|html|json|py)):(\d+)(?::\d+)?/g;

/**
 * The first project file a text names with a line (a stack frame, a compiler message), e.g.
 * "src/App.jsx:2". Files under node_modules and Node's own modules are skipped; a sandbox's
 * absolute path is cut to the project-relative part.
 */
export function whereFrom(text: string): string | undefined {
  // A URL's host (and port) is not part of the path; colour codes are not part of anything.
  const plain = stripAnsi(text).replace(/https?:\/\/[^/\s]+/g, '');
  for (const [, path, line] of plain.matchAll(SOURCE_FILE)) {
    if (path.includes('node_modules/') || path.startsWith('internal/')) continue;
    const file = path.replace(/^(?:.*\/)?project\//, '').replace(/^\.\//, '');
    return `${file}:${line}`;
  }
  return undefined;
}

/**
 * What stays the same when the same failure happens again: the kind, the file (not the line:
 * edits move it) and the message without numbers that change from run to run (line and column
 * numbers, ports, timestamps, cache-busting queries, hashes, process ids).
 */
export function problemSignature(report: Pick<ProblemReport, 'kind' | 'message' | 'where'> & { origin?: ProblemOrigin }): string {
  const file = report.where?.replace(/:\d+(:\d+)?$/, '') ?? '';
  const message = report.message
    .split('\n')[0]
    .replace(/https?:\/\/[^\s'"]+/g, (url) => url.replace(/^https?:\/\/[^/]+/, '').replace(/\?.*$/, ''))
    .replace(/\?t=\d+/g, '')
    .replace(/\b[0-9a-f]{8,}\b/gi, '#')
    .replace(/\d+/g, '#')
    .replace(/\s+/g, ' ')
    .trim()
    .toLowerCase();
  // A page's report never merges into the runtime's own problem (its text would replace the real output).
  return `${report.origin === 'page' ? 'page|' : ''}${report.kind}|${file}|${message}`;
}

/** Exit codes of processes stopped on purpose (Stop, a runtime switch): not problems. */
export const STOPPED_ON_PURPOSE = new Set([130, 143]);

/** SIGKILL: in a sandbox almost always the kernel's out-of-memory killer at the sandbox's memory limit. */
const KILLED = 137;

/** A command (`command`) or the app's server (`start`) that exited with an error, with where its output points. */
export function exitProblem(kind: 'command' | 'start', command: string, exitCode: number, output: string): ProblemReport {
  const message =
    exitCode === KILLED
      ? `\`${command}\` was killed (exit code 137), most likely for running out of memory. Give sandboxes more memory (DAYTONA_MEMORY_GB for Daytona, SANDBOX_MEMORY_MB for Local sandboxes) and run it again.`
      : `\`${command}\` exited with code ${exitCode}`;
  return { kind, origin: 'runtime', message, where: whereFrom(output), output: outputTail(output) };
}
