import { useState } from 'react';
import { errorMessage } from '~/lib/error-message';
import { saveGitHubToken, type TokenSource } from '~/lib/git/github-client';

/** Paste a GitHub token for this session: it goes to the server, which keeps it in memory only. */
export function GitHubTokenForm({ why, onSaved }: { why: string; onSaved: (source: TokenSource) => void }) {
  const [token, setToken] = useState('');
  const [error, setError] = useState<string | null>(null);
  return (
    <form
      className="mt-2 flex flex-col gap-1 text-sm"
      onSubmit={(event) => {
        event.preventDefault();
        setError(null);
        saveGitHubToken(token).then(
          (source) => {
            setToken('');
            onSaved(source);
          },
          (e: unknown) => setError(errorMessage(e)),
        );
      }}
    >
      <label className="muted text-xs" htmlFor="github-token">
        {why} It stays in the server's memory for this session only (never in this browser or a sandbox).
      </label>
      <div className="flex gap-2">
        <input id="github-token" type="password" autoComplete="off" spellCheck={false} className="input flex-1" placeholder="ghp_… or github_pat_…" value={token} onChange={(e) => setToken(e.target.value)} aria-label="GitHub token" />
        <button type="submit" className="btn-ghost" disabled={!token.trim()}>
          Use token
        </button>
      </div>
      {error && (
        <p role="alert" className="text-red-600">
          {error}
        </p>
      )}
    </form>
  );
}
