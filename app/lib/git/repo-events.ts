/**
 * What a repository flow reports as it goes: the runs API sends these as server-sent events
 * (`event: <type>`, `data: <json>`), and the workbench reads the same events for GitHub import and
 * "Create pull request". Browser-safe: types and a parser only.
 */
export type RepoEvent =
  | { type: 'run_started'; runId: string; repo: string; baseBranch?: string }
  | { type: 'cloning'; repo: string; branch?: string }
  | { type: 'cloned'; commit: string; branch: string; files: number }
  /** GitHub import: the project as it came in (text files under the caps), and what was left out. */
  | { type: 'imported'; repo: string; url: string; branch: string; commit: string; files: Record<string, string>; skipped: string[] }
  | { type: 'agent_message'; text: string }
  | { type: 'tool_call'; id: string; name: string; input: unknown }
  | { type: 'tool_result'; id: string; name: string; ok: boolean; output: unknown; ms: number }
  | { type: 'file_edit'; path: string }
  | { type: 'command_output'; command: string; exitCode: number | null; output: string }
  | { type: 'committing'; branch: string; changes: string[] }
  | { type: 'pushed'; branch: string; commit: string }
  | { type: 'writing_pr' }
  | { type: 'pr_opened'; url: string; number: number; title: string; branch: string }
  | { type: 'error'; message: string; status?: number }
  | { type: 'done'; ok: boolean };

export type RepoEventType = RepoEvent['type'];

/** Reads a server-sent-event stream's events as they arrive (fetch body, so a POST can carry input). */
export async function* readRepoEvents(body: ReadableStream<Uint8Array>): AsyncGenerator<RepoEvent> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    buffer += decoder.decode(value, { stream: true });
    let end: number;
    while ((end = buffer.indexOf('\n\n')) >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const data = block
        .split('\n')
        .filter((line) => line.startsWith('data:'))
        .map((line) => line.slice(5).trimStart())
        .join('\n');
      if (data) yield JSON.parse(data) as RepoEvent;
    }
  }
}
