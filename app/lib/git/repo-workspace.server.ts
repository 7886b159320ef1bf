import { IMPORT_LIMITS, projectFromFiles, type ImportedProject } from '../projects/archive';
import { SandboxError } from '../sandbox/sandbox-provider.server';
import type { SandboxService } from '../sandbox/sandbox-service.server';
import { GIT, shellQuote, type CloneOptions } from './sandbox-git';

/** Who commits: the app, on the user's behalf (the token's owner pushes it). */
const AUTHOR = `-c user.name=AppForge -c user.email=appforge@users.noreply.github.com`;

/**
 * A repository checked out in a sandbox of its own, for one flow (import, pull request, run):
 * every git command runs inside the sandbox through the sandbox service, like any other command.
 * `dispose` deletes the sandbox; the flows call it whatever happens.
 */
export class RepoWorkspace {
  private constructor(
    readonly service: SandboxService,
    readonly owner: string,
    readonly id: string,
  ) {}

  static async create(service: SandboxService, owner: string, project: string, admit?: () => Promise<void>, clientIp?: string): Promise<RepoWorkspace> {
    const sandbox = await service.create(owner, project, admit, clientIp);
    return new RepoWorkspace(service, owner, sandbox.id);
  }

  clone(options: CloneOptions) {
    return this.service.cloneRepo(this.owner, this.id, options);
  }

  /** Runs a command to its end and gives its output; a non-zero exit becomes `what failed: <last lines>`. */
  async run(command: string, what: string, signal?: AbortSignal): Promise<string> {
    let output = '';
    const { exitCode, truncated } = await this.service.exec(this.owner, this.id, command, { onOutput: (chunk) => (output += chunk), signal });
    if (truncated) throw new SandboxError(`${what} failed: its output passed the sandbox's output limit.`, 413);
    if (exitCode !== 0) {
      const last = output.trim().split('\n').filter((line) => !/^npm warn/i.test(line)).slice(-3).join(' ').slice(0, 400);
      throw new SandboxError(`${what} failed (exit code ${exitCode})${last ? `: ${last}` : ''}.`, 502);
    }
    return output;
  }

  async head(): Promise<{ commit: string; branch: string }> {
    const [commit, branch] = (await this.run(`git rev-parse HEAD && git rev-parse --abbrev-ref HEAD`, 'Reading the checked-out commit')).trim().split('\n').slice(-2);
    return { commit: commit.trim(), branch: branch.trim() };
  }

  /** The project's text files under the import caps, with what was left out and why (the zip import's rules). */
  async readProject(): Promise<ImportedProject> {
    const entries = await this.service.readTree(this.owner, this.id, { maxFileBytes: IMPORT_LIMITS.fileBytes, maxFiles: IMPORT_LIMITS.files + 1 });
    const encoder = new TextEncoder();
    const project = await projectFromFiles(
      entries.map((entry) => ({
        path: entry.path,
        size: entry.size,
        // No content under the size cap: the sandbox found a NUL byte (not text).
        read: async () => (entry.content === undefined ? new Uint8Array([0]) : encoder.encode(entry.content)),
      })),
      { keepTopFolder: true },
    );
    if (entries.length > IMPORT_LIMITS.files) project.skipped.push(`…: the repository has more than ${IMPORT_LIMITS.files} files; the rest were not read`);
    return project;
  }

  /** Puts the chat's project over the checkout: its files written, the ones it deleted removed. */
  async apply(files: Record<string, string>, deleted: string[]) {
    await this.service.writeFiles(this.owner, this.id, Object.entries(files).map(([path, content]) => ({ path, content })), deleted);
  }

  /** Stages everything and lists the changes ("M path", "A path", "D path"); throws when nothing changed. */
  async stage(): Promise<string[]> {
    const status = await this.run(`${GIT} add --all && git diff --cached --name-status`, 'Staging the changes');
    const changes = status.trim().split('\n').filter((line) => /^[ACDMRTU]\d*\t/.test(line)).map((line) => line.replace(/\t/g, ' '));
    if (!changes.length) throw new SandboxError('There is nothing to commit: the project is the same as the repository.', 409);
    return changes;
  }

  /** Commits what is staged on a new branch (hooks off), and gives the commit and its parent. */
  async commit(branch: string, message: string): Promise<{ base: string; commit: string }> {
    const base = (await this.run('git rev-parse HEAD', 'Reading the base commit')).trim().split('\n').at(-1)!.trim();
    await this.run(`${GIT} checkout --quiet -b ${shellQuote(branch)} && ${GIT} ${AUTHOR} commit --quiet --no-verify -F - <<'APPFORGE_MESSAGE'\n${message.replace(/^APPFORGE_MESSAGE$/gm, '')}\nAPPFORGE_MESSAGE`, 'Committing');
    const commit = (await this.run('git rev-parse HEAD', 'Reading the new commit')).trim().split('\n').at(-1)!.trim();
    return { base, commit };
  }

  /** A thin pack of what `commit` adds to `base` (what a push sends), out of the sandbox as base64. */
  async pack(base: string, commit: string): Promise<Uint8Array> {
    const output = await this.run(`printf '%s\\n^%s\\n' ${shellQuote(commit)} ${shellQuote(base)} | git pack-objects --revs --thin --stdout -q | base64 -w 0`, 'Packing the commit');
    return Uint8Array.from(Buffer.from(output.replace(/[^A-Za-z0-9+/=]/g, ''), 'base64'));
  }

  async dispose() {
    await this.service.delete(this.owner, this.id).catch((error: unknown) => console.warn(`repo workspace: could not delete sandbox ${this.id}: ${(error as Error).message}`));
  }
}
