import { lazy, Suspense, useEffect, useRef, useState } from 'react';
import { errorMessage } from '~/lib/error-message';
import type { RepoEvent } from '~/lib/git/repo-events';
import type { GitOrigin } from '~/lib/persistence/chat-db';
import type { ImportedProject } from '~/lib/projects/archive';
import { useIsomorphicLayoutEffect } from '../use-isomorphic-layout-effect';

// The landing page shows the form; the client that talks to the server, and the token form, load on first use.
const gitHubClient = () => import('~/lib/git/github-client');
const GitHubTokenForm = lazy(() => import('./GitHubTokenForm').then((module) => ({ default: module.GitHubTokenForm })));

type Imported = Extract<RepoEvent, { type: 'imported' }>;

/**
 * Import a GitHub repository into a new chat: the server clones it in a sandbox and sends back its
 * text files; progress shows as it comes, with the time it has taken. A private repository asks
 * for a token.
 */
export function GitHubImport({ onImport }: { onImport: (name: string, project: ImportedProject, git: GitOrigin) => Promise<void> }) {
  const [url, setUrl] = useState('');
  const [busySince, setBusySince] = useState<number | null>(null);
  const [progress, setProgress] = useState<string | null>(null);
  const [error, setError] = useState<{ message: string; needsToken: boolean } | null>(null);
  const [, tick] = useState(0);
  const abort = useRef<AbortController | null>(null);
  const field = useRef<HTMLInputElement>(null);
  // A URL typed (or pasted) before the page was interactive is in the field, not in state: adopt it.
  useIsomorphicLayoutEffect(() => {
    if (field.current?.value) setUrl(field.current.value);
  }, []);
  useEffect(() => {
    if (busySince === null) return;
    const timer = setInterval(() => tick((n) => n + 1), 1000);
    return () => clearInterval(timer);
  }, [busySince]);
  useEffect(() => () => abort.current?.abort(), []);

  const run = async () => {
    setError(null);
    setBusySince(Date.now());
    abort.current = new AbortController();
    let imported: Imported | null = null;
    let failure: Extract<RepoEvent, { type: 'error' }> | null = null;
    try {
      const { describeRepoEvent, runRepoFlow } = await gitHubClient();
      await runRepoFlow('/api/github/import', { repoUrl: url }, (event) => {
        if (event.type === 'imported') imported = event;
        else if (event.type === 'error') failure = event;
        else setProgress(describeRepoEvent(event));
      }, abort.current.signal);
      const done = imported as Imported | null;
      if (failure) throw Object.assign(new Error((failure as { message: string }).message), { status: (failure as { status?: number }).status });
      if (!done) throw new Error('The import ended before the files arrived.');
      if (Object.keys(done.files).length === 0) throw new Error(`Nothing could be imported from ${done.repo}: it has no text files under the caps.`);
      await onImport(done.repo, { files: done.files, skipped: done.skipped }, { repo: done.repo, url: done.url, branch: done.branch, commit: done.commit, paths: Object.keys(done.files) });
    } catch (e) {
      if (abort.current?.signal.aborted) return;
      setError({ message: errorMessage(e), needsToken: (e as { status?: number }).status === 401 });
    } finally {
      setBusySince(null);
      setProgress(null);
    }
  };

  return (
    <div className="mt-3">
      <form
        className="flex gap-2"
        onSubmit={(event) => {
          event.preventDefault();
          if (busySince === null && url.trim()) void run();
        }}
      >
        <input ref={field} className="input flex-1" value={url} onChange={(e) => setUrl(e.target.value)} placeholder="https://github.com/owner/repo" aria-label="GitHub repository URL" spellCheck={false} />
        <button type="submit" className="btn-ghost" disabled={busySince !== null || !url.trim()}>
          Import from GitHub
        </button>
      </form>
      {busySince !== null && (
        <p role="status" className="muted mt-2 text-sm">
          {progress ?? 'Starting…'} {Math.round((Date.now() - busySince) / 1000)} s
        </p>
      )}
      {error && (
        <div role="alert" className="mt-2 text-sm text-red-600">
          <p>{error.message}</p>
          {error.needsToken && (
            <Suspense fallback={null}>
              <GitHubTokenForm why="A GitHub token that can read the repository lets it be cloned." onSaved={() => void run()} />
            </Suspense>
          )}
        </div>
      )}
    </div>
  );
}
