import type { UIMessage } from 'ai';
import { useEffect, useRef, useState } from 'react';
import { errorMessage } from '~/lib/error-message';
import { describeRepoEvent, gitHubTokenSource, runRepoFlow, type TokenSource } from '~/lib/git/github-client';
import type { GitOrigin } from '~/lib/persistence/chat-db';
import { messageText } from '~/lib/stores/workbench';
import { GitHubTokenForm } from './GitHubTokenForm';

type Opened = { url: string; number: number; title: string; branch: string };

/**
 * "Create pull request" for a chat imported from GitHub: the project as it is now goes to the
 * server, which commits it on a new branch over the imported commit, pushes and opens the pull
 * request; each step shows here as it happens, and the link becomes a message of the chat.
 */
export function PullRequestCard({ git, model, files, messages, onOpened, onClose }: {
  git: GitOrigin;
  model: string;
  files: () => Record<string, string>;
  messages: UIMessage[];
  onOpened: (opened: Opened) => void;
  onClose: () => void;
}) {
  const [token, setToken] = useState<TokenSource | undefined>(undefined);
  const [lines, setLines] = useState<string[]>([]);
  const [state, setState] = useState<'idle' | 'running' | 'failed' | 'done'>('idle');
  const [opened, setOpened] = useState<Opened | null>(null);
  const [since, setSince] = useState(0);
  const [, tick] = useState(0);
  const abort = useRef<AbortController | null>(null);
  const card = useRef<HTMLElement>(null);

  useEffect(() => {
    card.current?.scrollIntoView({ block: 'nearest' });
    void gitHubTokenSource(git.url).then(setToken, () => setToken(null));
    return () => abort.current?.abort();
  }, []);
  // Each new line stays in view while the chat column scrolls.
  useEffect(() => {
    card.current?.scrollIntoView({ block: 'nearest' });
  }, [lines.length, token]);
  useEffect(() => {
    if (state !== 'running') return;
    const timer = setInterval(() => tick((n) => n + 1), 1000);
    return () => clearInterval(timer);
  }, [state]);

  const run = async () => {
    setState('running');
    setSince(Date.now());
    setLines([]);
    abort.current = new AbortController();
    const now = files();
    const requests = messages.filter((m) => m.role === 'user').map(messageText).filter(Boolean);
    const lastAnswer = messages.findLast((m) => m.role === 'assistant');
    const summary = lastAnswer ? messageText(lastAnswer).replace(/<boltArtifact[\s\S]*?(<\/boltArtifact>|$)/g, '').trim() : '';
    let failed = false;
    try {
      await runRepoFlow(
        '/api/github/pull-request',
        { repoUrl: git.url, baseBranch: git.branch, baseCommit: git.commit, files: now, deleted: git.paths.filter((path) => !(path in now)), requests, summary, model },
        (event) => {
          if (event.type === 'error') failed = true;
          if (event.type === 'pr_opened') {
            setOpened(event);
            onOpened(event);
          }
          const line = describeRepoEvent(event);
          if (line) setLines((all) => [...all, line]);
        },
        abort.current.signal,
      );
      setState(failed ? 'failed' : 'done');
    } catch (e) {
      if (abort.current.signal.aborted) return;
      setLines((all) => [...all, errorMessage(e)]);
      setState('failed');
    }
  };

  return (
    <section ref={card} aria-label="Pull request" className="mt-3 rounded-lg border border-gray-300 p-3 text-sm dark:border-gray-700">
      <div className="flex items-center justify-between gap-2">
        <h3 className="font-semibold">Pull request to {git.repo}</h3>
        <button type="button" className="muted text-xs" onClick={onClose} aria-label="Close the pull request card">
          Close
        </button>
      </div>
      <p className="muted text-xs">
        The project as it is now, committed on a new branch over {git.branch} at {git.commit.slice(0, 7)}, with a title and description the model writes from this chat.
      </p>
      {(token === null || token === 'expired') && (
        <GitHubTokenForm
          why={token === 'expired' ? 'The token you pasted earlier has expired on the server: paste it again.' : 'Pushing a branch and opening a pull request need a GitHub token of yours with write access to the repository.'}
          onSaved={setToken}
        />
      )}
      {(token === 'session' || token === 'server') && state !== 'running' && !opened && (
        <button type="button" className="btn-primary mt-2" onClick={() => void run()}>
          {state === 'failed' ? 'Try again' : 'Create pull request'}
        </button>
      )}
      {lines.length > 0 && (
        <ol role="log" aria-label="Pull request progress" className="mt-2 flex flex-col gap-0.5">
          {lines.map((line, index) => (
            <li key={index} className={state === 'failed' && index === lines.length - 1 ? 'text-red-600' : undefined}>
              {line}
            </li>
          ))}
        </ol>
      )}
      {state === 'running' && <p className="muted mt-1 text-xs">{Math.round((Date.now() - since) / 1000)} s</p>}
      {opened && (
        <a className="mt-2 inline-block font-medium text-blue-600 underline" href={opened.url} target="_blank" rel="noreferrer">
          Open pull request #{opened.number}
        </a>
      )}
    </section>
  );
}
