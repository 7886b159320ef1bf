import type { RE2JS } from 're2js';
import { TOOL_LIMITS } from './tool-specs';

/**
 * search_files over the project's files, in a way a query cannot turn into a denial of service:
 * regular expressions in RE2 syntax, matched by RE2's linear-time engine (re2js, loaded on the
 * first regex search); lines matched up to a cap; the whole search stopped after a bounded
 * amount of work, yielding to the event loop as it goes. Browser-safe: the browser's agent and
 * the server's both use it (the server's runs search in the sandbox instead, see
 * sandbox-search.server.ts, with the same query checks).
 */

export interface SearchRequest {
  query: string;
  regex: boolean;
  /** "" for the whole project, else a checked "folder/". */
  folder: string;
}

export interface SearchAnswer {
  /** `path:line: text`, at most TOOL_LIMITS.searchMatches. */
  matches: string[];
  total: number;
  /** Present when not everything was searched: what was left out and what to do. */
  partial?: string;
}

/** How search_files is done: over the files store by default; in the runs API, in the sandbox. */
export type ProjectSearch = (request: SearchRequest, signal: AbortSignal) => Promise<SearchAnswer>;

export const SEARCH_LIMITS = {
  /** Characters of a line that are matched; the rest of a longer line is not searched. */
  lineChars: 2_000,
  /** Characters a search reads in all before it stops. */
  workChars: 10_000_000,
  /** Time a search may take in all before it stops. */
  workMs: 3_000,
  /** Longest stretch of matching before the event loop gets a turn. */
  sliceMs: 20,
};

/** The query cannot be searched for; the message says why and what to do instead. */
export class SearchQueryError extends Error {
  override name = 'SearchQueryError';
}

/** The search could not run (in the sandbox); the message says what went wrong. */
export class SearchFailedError extends Error {
  override name = 'SearchFailedError';
}

/** The user stopped the agent while it searched. */
export class SearchStoppedError extends Error {
  override name = 'SearchStoppedError';
}

/** What the model can do about a search that stopped early. */
export const STOP_ADVICE = 'narrow it with path or a more specific query';

/**
 * The query as a line test, or a SearchQueryError saying what RE2 syntax cannot do. Every search
 * (the sandbox's too) checks its query here first, so the model gets the same sentences anywhere.
 */
export async function compileQuery({ query, regex }: Pick<SearchRequest, 'query' | 'regex'>): Promise<(line: string) => boolean> {
  // Searches go line by line: a line break can never match.
  if (/[\r\n]/.test(query)) throw new SearchQueryError('The query contains a line break; searches match one line at a time. Search for one line of it.');
  if (!regex) return (line) => line.includes(query);
  const { RE2JS: Engine, RE2JSSyntaxException } = await import('re2js');
  let pattern: RE2JS;
  try {
    pattern = Engine.compile(query);
  } catch (error) {
    if (!(error instanceof RE2JSSyntaxException)) throw error;
    throw new SearchQueryError(unsupportedSyntax(error.getDescription(), error.getPattern() ?? ''));
  }
  return (line) => pattern.test(line);
}

function unsupportedSyntax(description: string, fragment: string): string {
  if (/^\(\?<?[=!]/.test(fragment)) {
    return `The regular expression uses lookahead or lookbehind (\`${fragment.slice(0, 4)}\`), which RE2 syntax does not have (it matches in linear time). Search for the text itself and read the lines around it.`;
  }
  if (/^\\[1-9]/.test(fragment)) return `The regular expression uses a backreference (\`${fragment.slice(0, 2)}\`), which RE2 syntax does not have (it matches in linear time). Search for the text itself and read the lines around it.`;
  return `The regular expression is not valid RE2 syntax: ${description}: \`${fragment.slice(0, 100)}\`.`;
}

/** One match as the model reads it. */
export function formatMatch(path: string, line: number, text: string): string {
  return `${path}:${line}: ${text.trim().slice(0, TOOL_LIMITS.matchLineChars)}`;
}

const yieldToEventLoop = () => new Promise<void>((resolve) => setTimeout(resolve, 0));

/** search_files over the files store's project, in path order. */
export async function searchFiles(files: Record<string, string>, request: SearchRequest, signal: AbortSignal, limits = SEARCH_LIMITS): Promise<SearchAnswer> {
  const test = await compileQuery(request);
  const paths = Object.keys(files)
    .filter((path) => path.startsWith(request.folder))
    .sort((a, b) => a.localeCompare(b));
  const matches: string[] = [];
  let total = 0;
  let work = 0;
  let longLines = 0;
  let stopped: string | null = null;
  const started = Date.now();
  let slice = started;
  let searched = 0;
  for (const path of paths) {
    const content = files[path];
    let lineNumber = 0;
    for (let start = 0; start <= content.length && !stopped; ) {
      const lineEnd = content.indexOf('\n', start);
      const end = lineEnd < 0 ? content.length : lineEnd;
      lineNumber++;
      if (end - start > limits.lineChars) longLines++;
      const line = content.slice(start, Math.min(end, start + limits.lineChars));
      work += line.length + 1;
      if (test(line)) {
        total++;
        if (matches.length < TOOL_LIMITS.searchMatches) matches.push(formatMatch(path, lineNumber, line));
      }
      start = end + 1;
      if (work >= limits.workChars) stopped = `reading ${limits.workChars.toLocaleString('en-US')} characters`;
      else if (Date.now() - slice >= limits.sliceMs) {
        await yieldToEventLoop();
        if (signal.aborted) throw new SearchStoppedError();
        slice = Date.now();
        if (slice - started >= limits.workMs) stopped = `${limits.workMs / 1000} s`;
      }
    }
    if (stopped) break;
    searched++;
  }
  const notes: string[] = [];
  if (stopped) notes.push(`The search stopped after ${stopped} (${searched} of ${paths.length} files); ${STOP_ADVICE}.`);
  if (longLines === 1) notes.push(`1 line longer than ${limits.lineChars.toLocaleString('en-US')} characters was searched only in its first ${limits.lineChars.toLocaleString('en-US')}.`);
  if (longLines > 1) notes.push(`${longLines} lines longer than ${limits.lineChars.toLocaleString('en-US')} characters were searched only in their first ${limits.lineChars.toLocaleString('en-US')}.`);
  return { matches, total, ...(notes.length ? { partial: notes.join(' ') } : {}) };
}
