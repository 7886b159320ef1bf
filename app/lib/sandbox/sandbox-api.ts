import * as z from 'zod/mini';
import { checkProjectPath } from '../artifact/file-path';

/**
 * The contract of /api/sandboxes, shared by the routes (which parse requests with it) and the
 * typed client (which parses responses and stream events with it). zod/mini keeps what the
 * browser loads small.
 */

/** Input limits of the sandbox API. */
export const SANDBOX_LIMITS = {
  fileBytes: 2_000_000,
  batchBytes: 25_000_000,
  batchFiles: 5000,
  commandChars: 4000,
  /** Paths a state request may name as kept (the project's text files), and the bytes of its JSON body without the archive. */
  keepPaths: 5000,
  keepBodyBytes: 2_000_000,
} as const;

// --- requests -----------------------------------------------------------------------------------

/** A project-relative path; normalised, or refused by the one path rule (`checkProjectPath`: length, names, root). */
export const projectPath = z.pipe(
  z.string(),
  z.transform((raw: string, ctx) => {
    const check = checkProjectPath(raw);
    if (check.ok) return check.path;
    ctx.issues.push({ code: 'custom', message: check.reason, input: raw });
    return z.NEVER;
  }),
);

const fileToWrite = z.object({
  path: projectPath,
  content: z.string().check(z.maxLength(SANDBOX_LIMITS.fileBytes, `a file may hold at most ${SANDBOX_LIMITS.fileBytes} characters`)),
  encoding: z._default(z.enum(['utf8', 'base64']), 'utf8'),
});

const fileBatch = z.array(fileToWrite).check(
  z.maxLength(SANDBOX_LIMITS.batchFiles),
  z.refine((files) => files.reduce((sum, f) => sum + f.content.length, 0) <= SANDBOX_LIMITS.batchBytes, `a batch may hold at most ${SANDBOX_LIMITS.batchBytes} characters`),
);

const command = z.pipe(
  z.pipe(z.string(), z.transform((raw: string) => raw.trim())),
  z.string().check(z.minLength(1, 'the command is empty'), z.maxLength(SANDBOX_LIMITS.commandChars)),
);

export const createSandboxRequest = z.strictObject({
  project: z.string().check(z.regex(/^[A-Za-z0-9_-]{1,100}$/, 'letters, digits, _ and - only (at most 100)')),
});

export const writeFilesRequest = z.strictObject({
  files: z._default(fileBatch, []),
  remove: z._default(z.array(projectPath).check(z.maxLength(SANDBOX_LIMITS.batchFiles)), []),
});

export const execRequest = z.strictObject({ command, timeoutS: z.optional(z.int().check(z.minimum(1), z.maximum(86_400))) });

export const startRequest = z.strictObject({ command });

/** The project's text files (which the browser versions itself): never part of a sandbox's state, never touched by a restore. */
const keepList = z.array(projectPath).check(z.maxLength(SANDBOX_LIMITS.keepPaths, `at most ${SANDBOX_LIMITS.keepPaths} kept paths`));

export const captureStateRequest = z.strictObject({ keep: keepList });

export const restoreStateRequest = z.strictObject({
  /** The gzip tar a capture answered, base64 (its size is capped by the server's SANDBOX_STATE_MAX_MB). */
  archive: z.string().check(z.regex(/^[A-Za-z0-9+/]*={0,2}$/, 'the archive must be base64')),
  keep: keepList,
});

/** The folders a build may write its output to, in the order they are tried. */
export const outputRequest = z.strictObject({ dirs: z.array(z.enum(['dist', 'build', 'out', '.'])).check(z.minLength(1), z.maxLength(4)) });

export const shareRequest = z.strictObject({ ttlHours: z.optional(z.number().check(z.minimum(1 / 3600), z.maximum(720))) });

export type WriteFilesRequest = z.input<typeof writeFilesRequest>;

// --- responses ----------------------------------------------------------------------------------

export const sandboxView = z.object({
  id: z.string(),
  project: z.string(),
  state: z.enum(['started', 'stopped', 'starting', 'error', 'unknown']),
  /** Why the server stopped it, when it did (shown when its chat reopens). */
  stoppedReason: z.optional(z.string()),
  provider: z.enum(['local', 'daytona']),
  /** A published app's sandbox: it runs until unpublished. */
  published: z.optional(z.boolean()),
  /** The owner's preview URL (on the app's preview host); it changes every 12 hours. */
  previewUrl: z.string(),
  createdAt: z.number(),
});
export type SandboxView = z.infer<typeof sandboxView>;

export const shareView = z.object({ id: z.string(), expiresAt: z.number() });
export type ShareView = z.infer<typeof shareView>;

export const treeEntry = z.object({
  path: z.string(),
  size: z.number(),
  /** Present for text files under the size cap. */
  content: z.optional(z.string()),
});
export type TreeEntry = z.infer<typeof treeEntry>;

export const responses = {
  list: z.object({ sandboxes: z.array(sandboxView) }),
  created: z.object({ sandbox: sandboxView }),
  /** GET one sandbox: its status and the port its app listens on (null: none yet). */
  status: z.object({ sandbox: sandboxView, port: z.nullable(z.number()) }),
  deleted: z.object({ deleted: z.string() }),
  written: z.object({ written: z.number(), removed: z.number() }),
  started: z.object({ processId: z.string() }),
  killed: z.object({ killed: z.string() }),
  tree: z.object({ entries: z.array(treeEntry) }),
  renewed: z.object({ sandbox: sandboxView }),
  shares: z.object({ shares: z.array(shareView) }),
  /** A new share link: its URL is shown only in this answer. */
  shareCreated: z.object({ id: z.string(), url: z.string(), expiresAt: z.number() }),
  revoked: z.object({ revoked: z.string() }),
  /** A sandbox's state: a gzip tar (base64), its size in bytes, and the entries it holds (files, links, empty folders). */
  stateCaptured: z.object({ archive: z.string(), bytes: z.number(), files: z.number() }),
  stateRestored: z.object({ restored: z.literal(true), files: z.number() }),
  /** A build's output for publishing: the folder found (null: none has an index.html) and its files, base64. */
  output: z.object({ dir: z.nullable(z.string()), files: z.array(z.object({ path: z.string(), content: z.string() })) }),
  error: z.object({ error: z.string() }),
};
/** Each answer's type, for the routes to `satisfies` and the client to return. */
export type Responses = { [K in keyof typeof responses]: z.infer<(typeof responses)[K]> };
export type SandboxStatus = Responses['status'];
export type ShareCreated = Responses['shareCreated'];

// --- streams (JSON lines: exec output, a background process's log) ------------------------------

export const streamEvent = z.discriminatedUnion('type', [
  z.object({ type: z.literal('output'), data: z.string() }),
  z.object({
    type: z.literal('exit'),
    exitCode: z.number(),
    /** Killed for running longer than its timeout. */
    timedOut: z.optional(z.boolean()),
    /** Output past the output cap was dropped. */
    truncated: z.optional(z.boolean()),
  }),
  /** The last line of a stream that failed after it began. */
  z.object({ type: z.literal('error'), status: z.number(), message: z.string() }),
]);
export type StreamEvent = z.infer<typeof streamEvent>;

// --- launch steps -------------------------------------------------------------------------------

/** A cloud launch, in order, as the workbench shows it. */
export const LAUNCH_STEPS = ['creating', 'writing files', 'installing', 'starting', 'ready'] as const;
export type LaunchStepName = (typeof LAUNCH_STEPS)[number];

/** The routes of the API, in one place (the client's paths). */
export const sandboxPaths = {
  all: '/api/sandboxes',
  one: (id: string) => `/api/sandboxes/${encodeURIComponent(id)}`,
  resume: (id: string) => `/api/sandboxes/${encodeURIComponent(id)}/resume`,
  stop: (id: string) => `/api/sandboxes/${encodeURIComponent(id)}/stop`,
  files: (id: string) => `/api/sandboxes/${encodeURIComponent(id)}/files`,
  exec: (id: string) => `/api/sandboxes/${encodeURIComponent(id)}/exec`,
  start: (id: string) => `/api/sandboxes/${encodeURIComponent(id)}/start`,
  logs: (id: string, processId: string) => `/api/sandboxes/${encodeURIComponent(id)}/logs/${encodeURIComponent(processId)}`,
  process: (id: string, processId: string) => `/api/sandboxes/${encodeURIComponent(id)}/processes/${encodeURIComponent(processId)}`,
  tree: (id: string) => `/api/sandboxes/${encodeURIComponent(id)}/tree`,
  state: (id: string) => `/api/sandboxes/${encodeURIComponent(id)}/state`,
  output: (id: string) => `/api/sandboxes/${encodeURIComponent(id)}/output`,
  preview: (id: string) => `/api/sandboxes/${encodeURIComponent(id)}/preview`,
  shares: (id: string) => `/api/sandboxes/${encodeURIComponent(id)}/shares`,
  share: (id: string, shareId: string) => `/api/sandboxes/${encodeURIComponent(id)}/shares/${encodeURIComponent(shareId)}`,
};
