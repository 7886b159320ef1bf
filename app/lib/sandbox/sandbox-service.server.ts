import { addressKey } from '../http/rate-limits.server';
import { isRunning, SandboxCaps } from './sandbox-caps.server';
import { ServerProcesses } from './server-processes.server';
import { SandboxState } from './sandbox-state.server';
import { readBuildOutput } from './sandbox-output.server';
import { isPublished, PUBLISHED_LABEL, reapAction, STOPPED_LABEL, stoppedReason, type StopReason } from './sandbox-lifecycle.server';
import {
  SandboxNotFoundError,
  SandboxQuotaError,
  type ExecOptions,
  type FileToWrite,
  type PreviewTarget,
  type SandboxInfo,
  type SandboxProvider,
} from './sandbox-provider.server';
import { newPreviewKey, newShareToken, ownerTokenWindow, previewToken, sameToken, sha256Hex, shareLabelKey, TOKEN_PATTERN } from './tokens.server';
import { errorMessage } from '../error-message';
import { deadSharesToForget, MAX_ACTIVE_SHARES, REVOKED, withoutLabels } from './share-labels.server';
import type { ServerEnv } from '../env.server';
import type { SandboxView, ShareView } from './sandbox-api';

export interface SandboxServiceOptions {
  secret: string;
  /** Host (and port) that previews are served under: <token>.<previewHost>. */
  previewHost: string;
  previewScheme: 'http' | 'https';
  maxPerSession: number;
  maxTotal: number;
  /** Running sandboxes one client address may have, whatever its sessions. */
  maxPerIp?: number;
  /** Idle this long, a running sandbox is stopped (its files and data kept; it starts again when used). */
  idleTtlMs: number;
  /** Idle this long, a sandbox is deleted. Default: 72 hours. */
  deleteAfterMs?: number;
  defaultShareTtlHours: number;
  /** The longest a command may run, whatever a caller asks for. */
  maxCommandMs?: number;
  /** The largest state archive a version keeps or a restore takes (SANDBOX_STATE_MAX_MB). Default: 20 MB. */
  stateMaxBytes?: number;
  now?: () => number;
}

export type { SandboxView, ShareView };

export type PreviewResolution =
  | { ok: true; sandboxId: string; kind: 'owner' | 'share' }
  | { ok: false; status: 404 | 410; reason: string };

const APP_LABEL = { app: 'appforge' };
/** The label holding the sandbox's preview key (see previewToken): changed to revoke owner preview URLs. */
const PREVIEW_KEY_LABEL = 'preview-key';
/** How long a found preview target (or the lack of one) is reused. */
const TARGET_CACHE_MS = 5_000;
const MISS_CACHE_MS = 500;
const LIST_CACHE_MS = 2000;
/** The longest capturing or restoring a sandbox's state may take. */
const STATE_TIMEOUT_MS = 120_000;

/**
 * The provider-independent rules: who owns what (owner labels), preview and share tokens, and the
 * work routed to a provider. The caps are in sandbox-caps.server.ts, the lifecycle's rules in
 * sandbox-lifecycle.server.ts, background processes and their logs in server-processes.server.ts,
 * share-label pruning in share-labels.server.ts.
 */

export class SandboxService {
  readonly provider: SandboxProvider;
  #options: SandboxServiceOptions;
  #caps: SandboxCaps;
  #now: () => number;
  #activity = new Map<string, number>();
  #labelQueue = new Map<string, Promise<void>>();
  #targets = new Map<string, { at: number; target: PreviewTarget | null }>();
  #listCache?: { at: number; sandboxes: Promise<SandboxInfo[]> };
  #processes: ServerProcesses;
  #state: SandboxState;
  #reaper?: ReturnType<typeof setInterval>;
  #startedAt: number;

  constructor(provider: SandboxProvider, options: SandboxServiceOptions) {
    this.provider = provider;
    this.#options = options;
    this.#now = options.now ?? Date.now;
    this.#caps = new SandboxCaps(options, this.#now);
    this.#processes = new ServerProcesses(provider);
    this.#state = new SandboxState(provider, {
      maxBytes: options.stateMaxBytes ?? 20 * 1_048_576,
      timeoutMs: Math.min(STATE_TIMEOUT_MS, options.maxCommandMs ?? STATE_TIMEOUT_MS),
      stopServer: (id) => this.#processes.stopServer(id),
    });
    // A provider that starts a stopped sandbox on its own (Daytona: a new preview token) says so.
    const restarts = provider as { onRestart?: (event: { sandboxId: string; phase: string }) => void };
    if ('onRestart' in provider) restarts.onRestart = (event) => event.phase === 'started' && this.#targets.delete(event.sandboxId);
    this.#startedAt = this.#now();
  }

  // --- ownership -----------------------------------------------------------------------------

  /** `admit` runs after the count caps pass (a rate limit), so a refused attempt is not also counted there. */
  async create(owner: string, project: string, admit?: () => Promise<void>, clientIp?: string, options: { published?: boolean } = {}): Promise<SandboxView> {
    // Sandboxes are labelled with a hash of the client's address, so one client cannot fill the
    // server's total with throwaway sessions.
    const ip = clientIp ? (await sha256Hex(`ip:${addressKey(clientIp)}`)).slice(0, 16) : undefined;
    const victims = await this.#room(owner, ip, true);
    let id: string | undefined;
    try {
      await admit?.();
      // Stopped only now: a creation the rate limit refuses stops nothing.
      for (const victim of victims) await this.#stop(victim, 'room');
      const info = await this.provider.create({ ...APP_LABEL, owner, project, ...(ip ? { ip } : {}), ...(options.published ? { [PUBLISHED_LABEL]: '1' } : {}) });
      id = info.id;
      this.#listCache = undefined;
      this.touch(info.id);
      return await this.#view(info);
    } finally {
      this.#caps.release(owner, ip, id);
    }
  }

  /** The caps for one more running sandbox of `owner` (sandbox-caps.server.ts): the sandboxes of theirs to stop to make room. */
  async #room(owner: string, ip: string | undefined, reserve: boolean, keep?: string): Promise<SandboxInfo[]> {
    // Published apps run until unpublished: they neither count against the caps nor make room.
    const [mine, all] = (await Promise.all([this.provider.list({ ...APP_LABEL, owner }), this.#all(true)])).map((list) => list.filter((s) => !isPublished(s)));
    return this.#caps.check({ owner, ip, mine, all, keep, reserve, lastUse: (sandbox) => this.#lastUse(sandbox) });
  }

  /**
   * A stopped sandbox that is used runs again: it must fit under the caps like a new one (making
   * room as a new one does), the provider starts it (Daytona: a new preview token, so cached
   * targets are forgotten), and the reason it was stopped is cleared.
   */
  async #resume(owner: string, id: string): Promise<SandboxInfo> {
    const info = await this.#owned(owner, id);
    if (isRunning(info)) return info;
    for (const victim of await this.#room(owner, info.labels.ip, false, id)) await this.#stop(victim, 'room');
    await this.provider.resume?.(id);
    this.#targets.delete(id);
    this.#listCache = undefined;
    if (info.labels[STOPPED_LABEL]) await this.#setLabels(id, withoutLabels([STOPPED_LABEL]));
    this.touch(id);
    return await this.#owned(owner, id);
  }

  /** Stops one of the owner's sandboxes (from the Sandboxes panel): its files and data stay. */
  async stop(owner: string, id: string): Promise<SandboxView> {
    const info = await this.#owned(owner, id);
    if (isRunning(info)) await this.#stop(info, 'user');
    return await this.#view(await this.#owned(owner, id));
  }

  /** Starts the sandbox again if it was stopped (reopening its chat); its view after. */
  async resume(owner: string, id: string): Promise<SandboxView> {
    return await this.#view(await this.#resume(owner, id));
  }

  async #stop(sandbox: SandboxInfo, reason: StopReason) {
    await this.provider.stop(sandbox.id);
    await this.#setLabels(sandbox.id, { [STOPPED_LABEL]: reason }).catch(() => {});
    this.#processes.stopped(sandbox.id);
    this.#targets.delete(sandbox.id);
    this.#listCache = undefined;
  }

  #lastUse(sandbox: SandboxInfo) {
    return this.#activity.get(sandbox.id) ?? Math.max(sandbox.createdAt, this.#startedAt);
  }

  /** The sandbox if `owner` owns it; anyone else gets the same 404 as for a missing one. */
  async get(owner: string, id: string): Promise<SandboxView> {
    return await this.#view(await this.#owned(owner, id));
  }

  async list(owner: string): Promise<SandboxView[]> {
    return await Promise.all((await this.provider.list({ ...APP_LABEL, owner })).map((info) => this.#view(info)));
  }

  async delete(owner: string, id: string) {
    await this.#owned(owner, id);
    await this.provider.delete(id);
    this.#forget(id);
  }

  // --- work in a sandbox -----------------------------------------------------------------------

  async writeFiles(owner: string, id: string, files: FileToWrite[], remove: string[] = []) {
    await this.#resume(owner, id);
    this.touch(id);
    if (files.length) await this.provider.writeFiles(id, files);
    if (remove.length) await this.provider.removePaths(id, remove);
  }

  async exec(owner: string, id: string, command: string, options: ExecOptions) {
    await this.#resume(owner, id);
    this.touch(id);
    const max = this.#options.maxCommandMs;
    const timeoutMs = max ? Math.min(options.timeoutMs ?? max, max) : options.timeoutMs;
    return this.provider.exec(id, command, { ...options, timeoutMs });
  }

  /** Starts the app's server in the background, replacing the one started before (server-processes.server.ts). */
  async start(owner: string, id: string, command: string) {
    await this.#resume(owner, id);
    this.touch(id);
    return this.#processes.start(id, command);
  }

  async kill(owner: string, id: string, processId: string) {
    await this.#owned(owner, id);
    this.touch(id);
    await this.provider.kill(id, processId);
  }

  /** A background process's output so far, then live, until it exits. */
  async logs(owner: string, id: string, processId: string) {
    await this.#owned(owner, id);
    return this.#processes.log(id, processId);
  }

  /** The port its app listens on; null for a stopped sandbox (Daytona refuses toolbox calls to one). */
  async findPort(owner: string, id: string, timeoutMs: number) {
    const info = await this.#owned(owner, id);
    if (!isRunning(info)) return null;
    return this.provider.findPort(id, timeoutMs);
  }

  /** The build output (dist/, build/, out/ …) with its bytes, for publishing (sandbox-output.server.ts). */
  async readOutput(owner: string, id: string, dirs: string[]) {
    await this.#resume(owner, id);
    this.touch(id);
    return readBuildOutput(this.provider, id, dirs);
  }

  async readTree(owner: string, id: string, options?: { maxFileBytes?: number; maxFiles?: number }) {
    await this.#resume(owner, id);
    this.touch(id);
    return this.provider.readTree(id, options);
  }

  /** The sandbox's own state (databases, uploads) outside the `keep` paths and dependencies: sandbox-state.server.ts. */
  async captureState(owner: string, id: string, keep: string[]) {
    await this.#resume(owner, id);
    this.touch(id);
    return this.#state.capture(id, keep);
  }

  /** Puts a captured state back (the app's server stopped first; the client starts it again). */
  async restoreState(owner: string, id: string, archive: Buffer, keep: string[]) {
    await this.#resume(owner, id);
    this.touch(id);
    return this.#state.restore(id, archive, keep);
  }

  // --- sharing -------------------------------------------------------------------------------

  async createShare(owner: string, id: string, ttlHours = this.#options.defaultShareTtlHours) {
    const info = await this.#owned(owner, id);
    const now = this.#now();
    const shares = Object.entries(info.labels).filter(([key]) => key.startsWith('share-'));
    if (shares.filter(([, value]) => Number(value) > now).length >= MAX_ACTIVE_SHARES) {
      throw new SandboxQuotaError(`This sandbox already has ${MAX_ACTIVE_SHARES} active share links. Revoke one and try again.`);
    }
    const token = newShareToken();
    const key = await shareLabelKey(token);
    const expiresAt = now + ttlHours * 3_600_000;
    await this.#setLabels(id, { ...withoutLabels(deadSharesToForget(info.labels, now)), [key]: String(expiresAt) });
    this.#listCache = undefined;
    return { id: key.slice('share-'.length), url: this.#previewUrl(token), expiresAt };
  }

  /** Revokes the owner's preview URL (every one issued so far) and returns the sandbox with a new one. */
  async renewPreview(owner: string, id: string): Promise<SandboxView> {
    const info = await this.#owned(owner, id);
    const key = newPreviewKey();
    await this.#setLabels(id, { [PREVIEW_KEY_LABEL]: key });
    this.#listCache = undefined;
    return await this.#view({ ...info, labels: { ...info.labels, [PREVIEW_KEY_LABEL]: key } });
  }

  async listShares(owner: string, id: string): Promise<ShareView[]> {
    const info = await this.#owned(owner, id);
    return Object.entries(info.labels)
      .filter(([key]) => key.startsWith('share-'))
      .map(([key, value]) => ({ id: key.slice('share-'.length), expiresAt: Number(value) }))
      .filter((share) => Number.isFinite(share.expiresAt) && share.expiresAt > this.#now());
  }

  async revokeShare(owner: string, id: string, shareId: string) {
    const info = await this.#owned(owner, id);
    const key = `share-${shareId}`;
    if (!(key in info.labels)) throw new SandboxNotFoundError('No such share link.');
    // Kept as "revoked" (not removed) so the link answers 410 Gone rather than an unknown 404.
    const revoked = `${REVOKED}:${this.#now()}`;
    await this.#setLabels(id, { ...withoutLabels(deadSharesToForget({ ...info.labels, [key]: revoked }, this.#now())), [key]: revoked });
    this.#listCache = undefined;
  }

  // --- the preview proxy's questions ---------------------------------------------------------------

  /** Which sandbox a preview host's token opens, if any. */
  async resolve(token: string): Promise<PreviewResolution> {
    if (!TOKEN_PATTERN.test(token)) return { ok: false, status: 404, reason: 'unknown' };
    const all = await this.#all(false);
    const window = ownerTokenWindow(this.#now());
    const owners = await Promise.all(all.map(async (s) => ({ s, tokens: await Promise.all([window, window - 1].map((w) => this.#ownerToken(s, w))) })));
    const owner = owners.find(({ tokens }) => tokens.some((candidate) => sameToken(candidate, token)))?.s;
    if (owner) return { ok: true, sandboxId: owner.id, kind: 'owner' };
    const key = await shareLabelKey(token);
    const shared = all.find((s) => key in s.labels);
    if (!shared) return { ok: false, status: 404, reason: 'unknown' };
    const expiresAt = Number(shared.labels[key]);
    if (shared.labels[key].startsWith(REVOKED)) return { ok: false, status: 410, reason: 'revoked' };
    if (!(expiresAt > this.#now())) return { ok: false, status: 410, reason: 'expired' };
    return { ok: true, sandboxId: shared.id, kind: 'share' };
  }

  /**
   * Where the proxy sends a preview request. Cached briefly: a page load makes hundreds of
   * requests, and finding the port costs a /proc scan (Local) or two API calls (Daytona).
   * Only requests that reach a running app count as activity.
   */
  async previewTarget(sandboxId: string): Promise<PreviewTarget | null> {
    const cached = this.#targets.get(sandboxId);
    let target = cached && this.#now() - cached.at < (cached.target ? TARGET_CACHE_MS : MISS_CACHE_MS) ? cached.target : undefined;
    if (target === undefined) {
      const port = await this.provider.findPort(sandboxId, 0);
      target = port === null ? null : await this.provider.previewTarget(sandboxId, port);
      this.#targets.set(sandboxId, { at: this.#now(), target });
    }
    if (target) this.touch(sandboxId);
    return target;
  }

  // --- lifecycle -------------------------------------------------------------------------------

  touch(id: string) {
    this.#activity.set(id, this.#now());
  }

  /** Stops or deletes what has been idle long enough (sandbox-lifecycle.server.ts); activity counts from server start for sandboxes it has not seen. */
  async reap(): Promise<{ stopped: string[]; deleted: string[] }> {
    const stopped: string[] = [];
    const deleted: string[] = [];
    for (const sandbox of await this.#all(true)) {
      const action = reapAction(sandbox, this.#now() - this.#lastUse(sandbox), this.#options);
      try {
        if (action === 'delete') {
          await this.provider.delete(sandbox.id);
          this.#forget(sandbox.id);
          deleted.push(sandbox.id);
        } else if (action === 'stop') {
          await this.#stop(sandbox, 'idle');
          stopped.push(sandbox.id);
        }
      } catch (error) {
        console.warn(`reaper: could not ${action} ${sandbox.id}: ${errorMessage(error)}`);
      }
    }
    return { stopped, deleted };
  }

  /**
   * At start and then every interval: deletes idle sandboxes, and lets the provider reconcile what
   * it holds with what runs (Local: leftovers of earlier runs are stopped, disk use is bounded).
   */
  startReaper(intervalMs = 60_000) {
    const cycle = async () => {
      await this.provider.reconcile?.();
      await this.reap();
    };
    let running = false;
    const run = () => {
      if (running) return; // a slow cycle is not joined by the next one
      running = true;
      void cycle()
        .catch((error: unknown) => console.warn(`reaper: ${errorMessage(error)}`))
        .finally(() => (running = false));
    };
    run();
    this.#reaper = setInterval(run, intervalMs);
    this.#reaper.unref();
  }

  stopReaper() {
    if (this.#reaper) clearInterval(this.#reaper);
  }

  /** Server shutdown: stops what runs here (Local sandboxes' processes); cloud sandboxes stop on their own timers. */
  async shutdown() {
    this.stopReaper();
    await this.provider.stopAll?.();
    await this.provider.close?.();
  }

  // --- internals -------------------------------------------------------------------------------

  /** Providers replace the whole label set: updates to one sandbox go one at a time. */
  #setLabels(id: string, labels: Record<string, string>): Promise<void> {
    const previous = this.#labelQueue.get(id) ?? Promise.resolve();
    const next = previous.catch(() => {}).then(() => this.provider.setLabels(id, labels));
    this.#labelQueue.set(id, next);
    void next.finally(() => {
      if (this.#labelQueue.get(id) === next) this.#labelQueue.delete(id);
    }).catch(() => {});
    return next;
  }

  async #owned(owner: string, id: string): Promise<SandboxInfo> {
    const info = await this.provider.get(id).catch((error: unknown) => {
      if (error instanceof SandboxNotFoundError) return null;
      throw error;
    });
    if (!info || info.labels.app !== APP_LABEL.app || info.labels.owner !== owner) throw new SandboxNotFoundError();
    return info;
  }

  #all(fresh: boolean): Promise<SandboxInfo[]> {
    if (fresh || !this.#listCache || this.#now() - this.#listCache.at > LIST_CACHE_MS) {
      const sandboxes = this.provider.list(APP_LABEL);
      this.#listCache = { at: this.#now(), sandboxes };
      sandboxes.catch(() => (this.#listCache = undefined));
    }
    return this.#listCache.sandboxes;
  }

  #forget(id: string) {
    this.#activity.delete(id);
    this.#targets.delete(id);
    this.#caps.forget(id);
    this.#listCache = undefined;
    this.#processes.forget(id);
  }

  #ownerToken(info: SandboxInfo, window: number) {
    return previewToken(this.#options.secret, info.id, info.labels[PREVIEW_KEY_LABEL] ?? '', window);
  }

  #previewUrl(token: string) {
    return `${this.#options.previewScheme}://${token}.${this.#options.previewHost}/`;
  }

  async #view(info: SandboxInfo): Promise<SandboxView> {
    return {
      id: info.id,
      project: info.labels.project ?? '',
      state: info.state,
      ...(stoppedReason(info) ? { stoppedReason: stoppedReason(info) } : {}),
      ...(isPublished(info) ? { published: true } : {}),
      provider: this.provider.name,
      previewUrl: this.#previewUrl(await this.#ownerToken(info, ownerTokenWindow(this.#now()))),
      createdAt: info.createdAt,
    };
  }
}

/** The service around a provider, as the configuration sets it up (the Node server and Cloudflare Pages alike). */
export function serviceAround(provider: SandboxProvider, env: ServerEnv, secret: string) {
  const previewHost = env.PREVIEW_HOST ?? `localhost:${env.PORT}`;
  const service = new SandboxService(provider, {
    secret,
    previewHost,
    previewScheme: /(^|\.)localhost(:\d+)?$/.test(previewHost) ? 'http' : 'https',
    maxPerSession: env.SANDBOX_MAX_PER_SESSION,
    maxTotal: env.SANDBOX_MAX_TOTAL,
    maxPerIp: env.SANDBOX_MAX_PER_IP,
    idleTtlMs: env.SANDBOX_IDLE_TTL_MIN * 60_000,
    deleteAfterMs: env.SANDBOX_DELETE_AFTER_HOURS * 3600_000,
    defaultShareTtlHours: env.SHARE_DEFAULT_TTL_HOURS,
    maxCommandMs: env.SANDBOX_COMMAND_TIMEOUT_S * 1000,
    stateMaxBytes: env.SANDBOX_STATE_MAX_MB * 1_048_576,
  });
  return { service, previewHost };
}
