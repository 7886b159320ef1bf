import { IMPORT_LIMITS } from '../projects/archive';
import type { SandboxService } from '../sandbox/sandbox-service.server';

/**
 * The sandbox a run's agent works in: the repository's files written into it (no git, no token:
 * the server holds the checkout, see server-checkout.server.ts), and read back when the agent is
 * done. Its owner is the runs API's, which no browser session can name. `dispose` deletes it;
 * the flows call it whatever happens.
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

  /** The project's files, in one batch. */
  async write(files: Record<string, string>) {
    await this.service.writeFiles(this.owner, this.id, Object.entries(files).map(([path, content]) => ({ path, content })));
  }

  /**
   * The project's text files as the sandbox has them now (under the import caps; no node_modules
   * or .git), the paths too large to read, and whether the listing is complete: a file missing
   * from an incomplete listing may still be there, so it is not taken as deleted.
   */
  async read(): Promise<{ files: Record<string, string>; unread: Set<string>; complete: boolean }> {
    const files: Record<string, string> = {};
    const unread = new Set<string>();
    const entries = await this.service.readTree(this.owner, this.id, { maxFileBytes: IMPORT_LIMITS.fileBytes, maxFiles: IMPORT_LIMITS.files + 1 });
    for (const entry of entries.slice(0, IMPORT_LIMITS.files)) {
      if (entry.content === undefined) unread.add(entry.path);
      else files[entry.path] = entry.content;
    }
    return { files, unread, complete: entries.length <= IMPORT_LIMITS.files };
  }

  async dispose() {
    await this.service.delete(this.owner, this.id).catch((error: unknown) => console.warn(`repo workspace: could not delete sandbox ${this.id}: ${(error as Error).message}`));
  }
}
