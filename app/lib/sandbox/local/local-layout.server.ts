import { execFileSync } from 'node:child_process';
import { chmodSync, statSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ConfigError } from '../../env.server';
import { unreachableFor } from './bwrap.server';

/** What the Local provider records of a sandbox (its `meta.json`). */
export interface Meta {
  id: string;
  labels: Record<string, string>;
  createdAt: number;
  port: number;
  /** Its project is a size-limited volume (sandboxes made before volumes existed are not). */
  volume?: boolean;
}

/**
 * Where the Local provider keeps things on the host: `<dataDir>/sandboxes/<id>/` (its `meta.json`
 * and `project/`), and the npm caches, one per session, under `<dataDir>/npm-cache` (or
 * SANDBOX_NPM_CACHE_DIR).
 */
export class LocalLayout {
  constructor(
    private readonly dataDir: string,
    private readonly npmCacheDir?: string,
  ) {}

  get root() {
    return join(this.dataDir, 'sandboxes');
  }

  get npmCacheRoot() {
    return this.npmCacheDir ?? join(this.dataDir, 'npm-cache');
  }

  /**
   * One npm cache per session (owner label): a session's sandboxes share it, so a second install
   * is warm, but no sandbox can change what another session's installs read (cache poisoning).
   */
  npmCache(meta: Meta) {
    const owner = meta.labels.owner ?? '';
    return join(this.npmCacheRoot, /^[0-9a-f]{32}$/.test(owner) ? owner : 'shared');
  }

  /** The server-filled npm cache every session's reads (shared-npm-cache.server.ts): only the server reaches it. */
  get sharedNpmCacheRoot() {
    return join(this.npmCacheRoot, '.trusted');
  }

  sandboxDir(id: string) {
    return join(this.root, id);
  }

  projectDir(id: string) {
    return join(this.root, id, 'project');
  }

  async readMeta(id: string): Promise<Meta> {
    return JSON.parse(await readFile(join(this.root, id, 'meta.json'), 'utf8')) as Meta;
  }

  async saveMeta(meta: Meta) {
    await writeFile(join(this.root, meta.id, 'meta.json'), JSON.stringify(meta));
  }

  /**
   * bwrap runs as the sandbox user: it must be able to pass through to the sandboxes (not list
   * them), and the npm cache is written from inside sandboxes (handed over once, if made before).
   */
  prepareForSandboxUser(user: { uid: number; gid: number }) {
    chmodSync(this.dataDir, 0o711);
    chmodSync(this.root, 0o711);
    // Each session's cache below it belongs to the sandbox user; the root itself stays the server's.
    if (statSync(this.npmCacheRoot).uid !== 0) execFileSync('chown', ['0:0', this.npmCacheRoot]);
    chmodSync(this.npmCacheRoot, 0o711);
    for (const dir of [this.root, this.npmCacheRoot]) {
      const blocked = unreachableFor(user.uid, dir);
      if (blocked) {
        throw new ConfigError(
          `Sandboxes run as the unprivileged user ${user.uid}, which cannot reach ${dir} (${blocked} lets no one else through). Set SANDBOX_DATA_DIR (and SANDBOX_NPM_CACHE_DIR) to a directory outside it, such as /var/lib/appforge.`,
        );
      }
    }
  }
}
