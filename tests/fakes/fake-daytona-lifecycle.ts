// The state the fake Daytona keeps for each sandbox, moved on the way Daytona's API and sandbox
// manager move it (github.com/daytonaio/daytona @ b5a5d9e78d76c8bcf351f2049620250e0f34eea4,
// apps/api/src/sandbox/services/sandbox.service.ts and sandbox.controller.ts):
// - create from a snapshot answers once the sandbox has started (creating → started); from an
//   image (buildInfo) at once, in pending_build; resources only with an image;
// - start, stop and delete answer at once with the old state and the new desired state, then the
//   state moves (stopping → stopped, starting → started, archived → restoring → started,
//   destroying → destroyed); a change while another is under way is a 409;
// - a start issues a new preview token (authToken); quotas and per-sandbox limits refuse with
//   400s in Daytona's words;
// - an idle sandbox stops after autoStopInterval minutes, a stopped one is archived after
//   autoArchiveInterval and deleted after autoDeleteInterval (a fake minute lasts timing.minuteMs).
import { randomBytes, randomUUID } from 'node:crypto';
import type { WebSocket } from 'ws';

export type SandboxState =
  | 'creating'
  | 'restoring'
  | 'destroyed'
  | 'destroying'
  | 'started'
  | 'stopped'
  | 'starting'
  | 'stopping'
  | 'error'
  | 'pending_build'
  | 'building_snapshot'
  | 'archived'
  | 'archiving';
export type DesiredState = 'started' | 'stopped' | 'archived' | 'destroyed';

export interface FakeCommand {
  id: string;
  command: string;
  /** The daemon's log file: every line prefixed with its stream's marker (01 01 01 stdout, 02 02 02 stderr). */
  log: Buffer;
  stdout: string;
  stderr: string;
  exitCode: number | null;
  sockets: Set<WebSocket>;
  timers: Array<ReturnType<typeof setTimeout>>;
  done: Promise<void>;
  finished: () => void;
}

export interface FakeSandbox {
  id: string;
  name: string;
  state: SandboxState;
  desiredState: DesiredState;
  /** A state change is under way (Daytona's `pending`): other changes answer 409 until it ends. */
  pending: boolean;
  labels: Record<string, string>;
  env: Record<string, string>;
  createdAt: string;
  updatedAt: string;
  lastActivity: number;
  stoppedAt?: number;
  autoStopInterval: number;
  autoArchiveInterval: number;
  autoDeleteInterval: number;
  snapshot?: string;
  /** The Dockerfile of a sandbox created from an image (buildInfo). */
  dockerfile?: string;
  cpu: number;
  memory: number;
  disk: number;
  files: Map<string, Buffer>;
  sessions: Map<string, Map<string, FakeCommand>>;
  listening: Set<number>;
  /** Daytona's authToken: the preview token, new at every start. */
  previewToken: string;
}

/** How long the fake's state changes take (milliseconds); `minuteMs` is one minute of auto-stop/archive/delete intervals. */
export interface Timing {
  transitionMs: number;
  restoreMs: number;
  buildMs: number;
  /** How long a create from a snapshot waits for the sandbox to start before answering (Daytona: 30 s). */
  createWaitMs: number;
  minuteMs: number;
}
export const DEFAULT_TIMING: Timing = { transitionMs: 25, restoreMs: 300, buildMs: 150, createWaitMs: 1000, minuteMs: 60_000 };

/** A refusal of the API, answered in Daytona's error shape (AllExceptionsFilter). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** What the fake reads of a CreateSandbox body (field names from the published schema). */
export interface CreateRequest {
  name?: string;
  snapshot?: string;
  buildInfo?: { dockerfileContent?: string };
  env?: Record<string, string>;
  labels?: Record<string, string>;
  cpu?: number;
  gpu?: number;
  memory?: number;
  disk?: number;
  autoStopInterval?: number;
  autoArchiveInterval?: number;
  autoDeleteInterval?: number;
}

// apps/api/src/common/constants/error-messages.ts (the dashboard URL is Daytona Cloud's).
const UPGRADE_TIER = "To increase concurrency limits, upgrade your organization's Tier by visiting https://app.daytona.io/dashboard/limits.";
const ARCHIVE_SANDBOXES = 'Consider archiving your unused Sandboxes to free up available storage.';
const PER_SANDBOX_LIMIT = 'Need higher resource limits per-sandbox? Contact us at support@daytona.io and let us know about your use case.';
// apps/api/src/organization/constants/sandbox-states-consuming-{compute,disk}.constant.ts
const USING_COMPUTE: SandboxState[] = ['creating', 'restoring', 'started', 'starting', 'stopping', 'pending_build', 'building_snapshot'];
const USING_DISK: SandboxState[] = [...USING_COMPUTE, 'stopped', 'archiving'];
const ERRORED: SandboxState[] = ['error'];
const newToken = () => randomBytes(24).toString('base64url').slice(0, 32).toLowerCase();

export class SandboxLifecycle {
  readonly sandboxes = new Map<string, FakeSandbox>();
  timing: Timing = { ...DEFAULT_TIMING };
  /** The organisation's totals in the region (Daytona's regionQuota): CPUs, GiB of memory, GiB of disk. */
  quota = { cpu: Infinity, memory: Infinity, disk: Infinity };
  /** Daytona's default per-sandbox maximum for an organisation: 4 vCPU, 8 GB, 10 GB. */
  perSandbox = { cpu: 4, memory: 8, disk: 10 };
  #timers = new Set<ReturnType<typeof setTimeout>>();
  #sweeper?: ReturnType<typeof setInterval>;
  #halt: (sandbox: FakeSandbox) => void;
  #hangs: () => boolean;

  /** `halt` ends a sandbox's processes (its container stops); while `hangs()`, new sandboxes stay in "creating". */
  constructor(halt: (sandbox: FakeSandbox) => void, hangs: () => boolean) {
    this.#halt = halt;
    this.#hangs = hangs;
  }

  /** The sandbox the API finds by id or name (destroyed ones are not found). */
  find(idOrName: string): FakeSandbox {
    const sandbox = this.sandboxes.get(idOrName) ?? [...this.sandboxes.values()].find((s) => s.name === idOrName);
    if (!sandbox || sandbox.state === 'destroyed') throw new ApiError(404, `Sandbox with ID or name ${idOrName} not found`);
    return sandbox;
  }

  create(body: CreateRequest): FakeSandbox {
    const { snapshot, buildInfo } = body;
    if (buildInfo && snapshot) throw new ApiError(400, 'Cannot specify a snapshot when using a build info entry');
    if (!buildInfo && (body.cpu || body.gpu || body.memory || body.disk)) throw new ApiError(400, 'Cannot specify Sandbox resources when using a snapshot');
    // A snapshot brings its own size (the default snapshot: 1 vCPU, 1 GiB, 3 GiB); an image takes the request's.
    const size = buildInfo ? { cpu: body.cpu || 1, memory: body.memory || 1, disk: body.disk || 3 } : { cpu: 1, memory: 1, disk: 3 };
    this.#checkQuotas(size);
    const now = new Date().toISOString();
    const id = randomUUID();
    const sandbox: FakeSandbox = {
      id,
      name: body.name ?? id,
      state: buildInfo ? 'pending_build' : 'creating',
      desiredState: 'started',
      pending: false,
      labels: body.labels ?? {},
      env: body.env ?? {},
      createdAt: now,
      updatedAt: now,
      lastActivity: Date.now(),
      autoStopInterval: body.autoStopInterval ?? 15,
      autoArchiveInterval: body.autoArchiveInterval ?? 7 * 24 * 60,
      autoDeleteInterval: body.autoDeleteInterval ?? -1,
      snapshot,
      dockerfile: buildInfo?.dockerfileContent,
      ...size,
      files: new Map(),
      sessions: new Map(),
      listening: new Set(),
      previewToken: newToken(),
    };
    this.sandboxes.set(id, sandbox);
    const { transitionMs, buildMs } = this.timing;
    if (!this.#hangs()) {
      this.#walk(sandbox, buildInfo ? [[buildMs, 'building_snapshot'], [transitionMs, 'starting'], [transitionMs, 'started']] : [[transitionMs, 'started']]);
    }
    return sandbox;
  }

  /** Resolves once the sandbox has reached its desired state, or after `ms`. */
  async settled(sandbox: FakeSandbox, ms: number) {
    const deadline = Date.now() + ms;
    while (sandbox.state !== sandbox.desiredState && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
  }

  start(sandbox: FakeSandbox) {
    if (sandbox.state === 'started' && sandbox.desiredState === 'started') return;
    if (ERRORED.includes(sandbox.state)) throw new ApiError(400, 'Sandbox is in an errored state');
    if (sandbox.state !== sandbox.desiredState && !(sandbox.desiredState === 'archived' && (sandbox.state === 'stopped' || sandbox.state === 'archiving'))) {
      throw new ApiError(409, 'Sandbox state change in progress');
    }
    if (!['stopped', 'archived', 'archiving'].includes(sandbox.state)) throw new ApiError(400, 'Sandbox is not in valid state');
    if (sandbox.pending) throw new ApiError(409, 'Sandbox state change in progress');
    this.#checkQuotas(sandbox, sandbox.id);
    sandbox.previewToken = newToken();
    sandbox.desiredState = 'started';
    this.touch(sandbox);
    const { transitionMs, restoreMs } = this.timing;
    this.#walk(sandbox, sandbox.state === 'stopped' ? [[transitionMs, 'starting'], [transitionMs, 'started']] : [[transitionMs, 'restoring'], [restoreMs, 'started']]);
  }

  stop(sandbox: FakeSandbox) {
    if (ERRORED.includes(sandbox.state)) throw new ApiError(400, 'Sandbox is in an errored state');
    if (sandbox.state !== sandbox.desiredState) throw new ApiError(409, 'Sandbox state change in progress');
    if (sandbox.state !== 'started') throw new ApiError(400, 'Sandbox is not in a stoppable state');
    if (sandbox.pending) throw new ApiError(409, 'Sandbox state change in progress');
    sandbox.desiredState = 'stopped';
    const { transitionMs } = this.timing;
    this.#walk(sandbox, [[transitionMs, 'stopping'], [transitionMs, 'stopped']]);
  }

  destroy(sandbox: FakeSandbox) {
    if (sandbox.pending && sandbox.state !== 'pending_build') throw new ApiError(409, 'Sandbox state change in progress');
    sandbox.desiredState = 'destroyed';
    sandbox.name = `DESTROYED_${sandbox.name}_${Date.now()}`;
    const { transitionMs } = this.timing;
    this.#walk(sandbox, [[transitionMs, 'destroying'], [transitionMs, 'destroyed']]);
  }

  /** What Daytona does to a sandbox stopped for autoArchiveInterval minutes (tests call it directly). */
  archive(sandbox: FakeSandbox) {
    if (sandbox.state !== 'stopped' || sandbox.pending) throw new ApiError(400, 'Sandbox is not in a state that can be archived');
    sandbox.desiredState = 'archived';
    const { transitionMs } = this.timing;
    this.#walk(sandbox, [[transitionMs, 'archiving'], [transitionMs, 'archived']]);
  }

  /** Activity (toolbox and preview traffic through the proxy, starts) puts off auto-stop. */
  touch(sandbox: FakeSandbox) {
    sandbox.lastActivity = Date.now();
  }

  /** Checks idle sandboxes a few times per fake minute, as Daytona's sandbox manager does on its schedule. */
  startSweeping() {
    const every = Math.max(10, Math.min(1000, this.timing.minuteMs / 4));
    this.#sweeper = setInterval(() => this.#sweep(), every);
    this.#sweeper.unref();
  }

  close() {
    clearInterval(this.#sweeper);
    for (const timer of this.#timers) clearTimeout(timer);
    this.#timers.clear();
  }

  #sweep() {
    const now = Date.now();
    const minutes = (since: number) => (now - since) / this.timing.minuteMs;
    for (const sandbox of this.sandboxes.values()) {
      if (sandbox.pending || sandbox.state !== sandbox.desiredState) continue;
      if (sandbox.state === 'started' && sandbox.autoStopInterval > 0 && minutes(sandbox.lastActivity) >= sandbox.autoStopInterval) this.stop(sandbox);
      else if ((sandbox.state === 'stopped' || sandbox.state === 'archived') && sandbox.autoDeleteInterval >= 0 && minutes(sandbox.stoppedAt ?? now) >= sandbox.autoDeleteInterval) this.destroy(sandbox);
      else if (sandbox.state === 'stopped' && sandbox.autoArchiveInterval > 0 && minutes(sandbox.stoppedAt ?? now) >= sandbox.autoArchiveInterval) this.archive(sandbox);
    }
  }

  /** Moves the sandbox through `steps` ([delay, state]), pending until the last. */
  #walk(sandbox: FakeSandbox, steps: Array<[number, SandboxState]>) {
    sandbox.pending = true;
    sandbox.updatedAt = new Date().toISOString();
    const [[delay, state], ...rest] = steps;
    const timer = setTimeout(() => {
      this.#timers.delete(timer);
      if (!this.sandboxes.has(sandbox.id)) return;
      sandbox.state = state;
      sandbox.updatedAt = new Date().toISOString();
      if (state === 'stopping' || state === 'destroying') this.#halt(sandbox);
      if (state === 'stopped') sandbox.stoppedAt = Date.now();
      if (rest.length) this.#walk(sandbox, rest);
      else sandbox.pending = false;
    }, delay);
    this.#timers.add(timer);
  }

  /** validateOrganizationQuotas: per-sandbox limits first, then the organisation's totals (without `except`, which is being started). */
  #checkQuotas(size: { cpu: number; memory: number; disk: number }, except?: string) {
    const max = this.perSandbox;
    if (size.cpu > max.cpu) throw new ApiError(400, `CPU request ${size.cpu} exceeds maximum allowed per sandbox (${max.cpu}).\n${PER_SANDBOX_LIMIT}`);
    if (size.memory > max.memory) throw new ApiError(400, `Memory request ${size.memory}GB exceeds maximum allowed per sandbox (${max.memory}GB).\n${PER_SANDBOX_LIMIT}`);
    if (size.disk > max.disk) throw new ApiError(400, `Disk request ${size.disk}GB exceeds maximum allowed per sandbox (${max.disk}GB).\n${PER_SANDBOX_LIMIT}`);
    const others = [...this.sandboxes.values()].filter((s) => s.id !== except && s.desiredState !== 'destroyed');
    const sum = (states: SandboxState[], key: 'cpu' | 'memory' | 'disk') => others.filter((s) => states.includes(s.state)).reduce((n, s) => n + s[key], size[key]);
    const { quota } = this;
    if (sum(USING_COMPUTE, 'cpu') > quota.cpu) throw new ApiError(400, `Total CPU limit exceeded. Maximum allowed: ${quota.cpu}.\n${UPGRADE_TIER}`);
    if (sum(USING_COMPUTE, 'memory') > quota.memory) throw new ApiError(400, `Total memory limit exceeded. Maximum allowed: ${quota.memory}GiB.\n${UPGRADE_TIER}`);
    if (sum(USING_DISK, 'disk') > quota.disk) throw new ApiError(400, `Total disk limit exceeded. Maximum allowed: ${quota.disk}GiB.\n${ARCHIVE_SANDBOXES}\n${UPGRADE_TIER}`);
  }
}
