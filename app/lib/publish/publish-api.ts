import * as z from 'zod/mini';
import { projectPath } from '../sandbox/sandbox-api';

/**
 * The contract of /api/publish (static hosts) and /api/publish/sandbox (apps with a server),
 * shared by the routes and the browser's client. zod/mini keeps what the browser loads small.
 */

export const PUBLISH_LIMITS = { files: 2000, bytes: 50_000_000, installs: 5 } as const;

export const HOSTS = ['netlify', 'vercel'] as const;
export type StaticHost = (typeof HOSTS)[number];
export type PublishTarget = StaticHost | 'sandbox';

/** A site name both hosts take as it is: lowercase letters, digits and dashes, as a subdomain. */
export const SITE_NAME = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;
export const siteName = z.string().check(z.regex(SITE_NAME, 'a site name is 1 to 63 lowercase letters, digits and dashes, not starting or ending with a dash'));

const base64File = z.object({ path: projectPath, content: z.string().check(z.maxLength(PUBLISH_LIMITS.bytes * 1.34)) });

export const publishStaticRequest = z.strictObject({
  host: z.enum(HOSTS),
  siteName,
  /** The site published to before (saved with the chat): the next publish updates it. */
  siteId: z.optional(z.string().check(z.minLength(1), z.maxLength(200))),
  /** The build output, base64. */
  files: z.array(base64File).check(
    z.minLength(1, 'there is nothing to publish: the build output is empty'),
    z.maxLength(PUBLISH_LIMITS.files, `a site may have at most ${PUBLISH_LIMITS.files} files`),
  ),
});
export type PublishStaticRequest = z.input<typeof publishStaticRequest>;

const command = z.string().check(z.minLength(1), z.maxLength(4000));

export const publishSandboxRequest = z.strictObject({
  /** The chat: its published sandbox is found again by it. */
  project: z.string().check(z.regex(/^[A-Za-z0-9_-]{1,80}$/, 'letters, digits, _ and - only')),
  files: z.array(z.object({ path: projectPath, content: z.string().check(z.maxLength(2_000_000)) })).check(z.maxLength(PUBLISH_LIMITS.files)),
  installs: z.array(command).check(z.maxLength(PUBLISH_LIMITS.installs)),
  start: command,
  /** Revoke the published link and make a new one (the old URL stops working). */
  newLink: z.optional(z.boolean()),
});
export type PublishSandboxRequest = z.input<typeof publishSandboxRequest>;

/** What a publish streams, one JSON object a line; `done` or `error` comes last. */
export const publishEvent = z.discriminatedUnion('type', [
  z.object({ type: z.literal('log'), text: z.string() }),
  z.object({ type: z.literal('upload'), done: z.number(), total: z.number(), bytes: z.number() }),
  z.object({ type: z.literal('state'), state: z.string() }),
  z.object({
    type: z.literal('done'),
    siteId: z.string(),
    /** The live URL; absent when a published sandbox was updated in place (its link is unchanged). */
    url: z.optional(z.string()),
    uploaded: z.optional(z.number()),
    reused: z.optional(z.number()),
  }),
  z.object({ type: z.literal('error'), status: z.number(), message: z.string() }),
]);
export type PublishEvent = z.infer<typeof publishEvent>;

export const publishTargetsView = z.object({
  hosts: z.record(z.enum(HOSTS), z.object({ token: z.nullable(z.enum(['session', 'server', 'expired'])) })),
  sandbox: z.object({ allowed: z.boolean(), note: z.string() }),
});
export type PublishTargetsView = z.infer<typeof publishTargetsView>;

export const publishPaths = { static: '/api/publish', targets: '/api/publish/targets', token: '/api/publish/token', sandbox: '/api/publish/sandbox' } as const;
