import { shellQuote } from '../sandbox/shell-quote';
import { compileQuery, formatMatch, SearchFailedError, SearchStoppedError, STOP_ADVICE, type ProjectSearch, type SearchAnswer, type SearchRequest } from './project-search';
import { TOOL_LIMITS } from './tool-specs';

/**
 * search_files for the runs API: grep in the run's sandbox under `timeout`, so that no query
 * costs the server anything but reading a bounded answer. Regular expressions are checked as
 * RE2 syntax first (the same refusals as in the browser) and given to `grep -P`, which reads RE2
 * syntax the same way; PCRE backtracks, but in the sandbox, under the timeout and PCRE's own
 * backtracking limit. The sandbox's output is untrusted: lines are cut and counted there, and
 * what the server keeps is bounded again.
 */

export const SANDBOX_SEARCH = {
  /** Seconds grep may run in the sandbox. */
  timeoutS: 20,
  /** Output lines read (matches and grep's complaints); a search with more says it is partial. */
  lines: 1_000,
  /** Bytes kept of each output line (path, line number and text). */
  lineBytes: 1_000,
};

/** Runs a command in the run's sandbox (workspace.service.exec). */
export type SearchExec = (command: string, options: { onOutput: (chunk: string) => void; signal: AbortSignal; timeoutMs: number }) => Promise<{ exitCode: number }>;

/**
 * The shell command: matches as `path\0line:text` (-Z, so that no file name can pass for
 * something else), grep's exit status last on a line of its own behind a per-search marker.
 */
export function searchCommand(request: SearchRequest, marker: string, limits = SANDBOX_SEARCH): string {
  const folder = request.folder.replace(/\/+$/, '') || '.';
  const grep = `timeout -k 2 ${limits.timeoutS} grep -rnIHZ --exclude-dir=node_modules --exclude-dir=.git ${request.regex ? '-P' : '-F'} -e ${shellQuote(request.query)} -- ${shellQuote(folder)} 2>&1`;
  return `{ ${grep}; echo "${marker} $?"; } | cut -b 1-${limits.lineBytes} | head -n ${limits.lines + 1}`;
}

export function sandboxSearch(exec: SearchExec, limits = SANDBOX_SEARCH): ProjectSearch {
  return async (request, signal) => {
    await compileQuery(request);
    const marker = `@@appforge-search-${crypto.randomUUID()}`;
    // What a well-behaved grep can print, and a little more; a sandbox that prints more is cut off.
    const maxChars = (limits.lines + 1) * (limits.lineBytes + 1) + marker.length + 16;
    let output = '';
    let cutShort = false;
    const onOutput = (chunk: string) => {
      if (cutShort) return;
      if (output.length + chunk.length > maxChars) cutShort = true;
      output += chunk.slice(0, maxChars - output.length);
    };
    await exec(searchCommand(request, marker, limits), { onOutput, signal, timeoutMs: (limits.timeoutS + 5) * 1000 });
    if (signal.aborted) throw new SearchStoppedError();
    // A line the cut went through is not a line.
    return parseSearchOutput(cutShort ? output.slice(0, output.lastIndexOf('\n') + 1) : output, marker, limits);
  };
}

export function parseSearchOutput(output: string, marker: string, limits = SANDBOX_SEARCH): SearchAnswer {
  const found: Array<{ path: string; line: number; text: string }> = [];
  const complaints: string[] = [];
  let status: number | undefined;
  let lines = 0;
  for (const line of output.split('\n')) {
    if (!line) continue;
    if (line.startsWith(`${marker} `)) {
      status = Number(line.slice(marker.length + 1));
      continue;
    }
    if (++lines > limits.lines) break;
    const nul = line.indexOf('\0');
    const hit = nul > 0 ? /^(\d+):(.*)$/s.exec(line.slice(nul + 1)) : null;
    if (hit) found.push({ path: line.slice(0, nul).replace(/^\.\//, ''), line: Number(hit[1]), text: hit[2] });
    else complaints.push(line.slice(0, 300));
  }
  found.sort((a, b) => a.path.localeCompare(b.path) || a.line - b.line);
  const answer: SearchAnswer = { matches: found.slice(0, TOOL_LIMITS.searchMatches).map((m) => formatMatch(m.path, m.line, m.text)), total: found.length };
  const partial = (note: string): SearchAnswer => ({ ...answer, partial: note });
  if (lines > limits.lines) return partial(`More than ${limits.lines.toLocaleString('en-US')} lines match; only the first ${limits.lines.toLocaleString('en-US')} were counted. Narrow the search with path or a more specific query.`);
  if (status === undefined) return partial(`The search was cut short; ${STOP_ADVICE}.`);
  if (status === 0 || status === 1) return answer;
  // timeout's status when it stopped grep (TERM, then KILL after the grace).
  if (status === 124 || status === 137) return partial(`The search stopped after ${limits.timeoutS} s; ${STOP_ADVICE}.`);
  if (status === 2) {
    const costly = complaints.map((line) => /^grep: (.*): (?:exceeded PCRE's .*limit|exhausted PCRE JIT stack)/.exec(line)?.[1]).filter((path) => path !== undefined);
    if (costly.length) return partial(`Some lines were skipped because the expression backtracked too much on them (${[...new Set(costly.map((path) => path.replace(/^\.\//, '')))].slice(0, 3).join(', ')}); simplify it.`);
    if (found.length) return partial(`Some files could not be searched: ${complaints[0] ?? 'grep gave no reason'}.`);
    throw new SearchFailedError(`The search failed in the sandbox: ${complaints[0] ?? 'grep gave no reason'}`);
  }
  throw new SearchFailedError(`The search failed in the sandbox (exit code ${status}): ${complaints[0] ?? 'no output'}`);
}
