import type { ServerEnv } from '../env.server';
import { HttpError } from '../http/json-body.server';
import type { SandboxService } from '../sandbox/sandbox-service.server';
import type { PublishEvent, PublishTargetsView } from './publish-api';

/** A published app's link lasts until it is unpublished (or replaced): a share that never expires in practice. */
const PUBLISHED_LINK_HOURS = 100 * 365 * 24;
/** Links expiring later than this from now are published ones (ordinary shares last at most 30 days). */
const PUBLISHED_LINK_AFTER_MS = 10 * 365 * 24 * 3_600_000;
/** Published apps one person may have running at once. */
export const PUBLISHED_PER_SESSION = 3;
/** How long a published app may take to listen after its start command. */
const LISTEN_TIMEOUT_MS = 60_000;

const publishedProject = (project: string) => `${project}-published`;

/** Whether this server publishes apps with a server, and what it costs while one runs (shown in the dialog). */
export function sandboxPublishing(env: ServerEnv): PublishTargetsView['sandbox'] {
  if (env.sandboxProvider === 'daytona') {
    const size = env.DAYTONA_CPU || env.DAYTONA_MEMORY_GB ? ` (${env.DAYTONA_CPU ?? 'default'} CPU, ${env.DAYTONA_MEMORY_GB ?? 'default'} GB memory)` : '';
    return { allowed: true, note: `Keeps a Daytona sandbox${size} running until you unpublish it, with auto-stop off: Daytona bills its running time by the second at your plan's rates.` };
  }
  if (!env.PUBLISH_LOCAL_SANDBOXES) return { allowed: false, note: 'This server does not publish apps with a server (its sandboxes run on this machine, and PUBLISH_LOCAL_SANDBOXES is off).' };
  return { allowed: true, note: `Keeps a sandbox on this server running until you unpublish it (at most ${env.SANDBOX_MEMORY_MB} MB of memory); it stops if the server restarts.` };
}

/**
 * Publishes an app with a server as a sandbox of its own that keeps running: the chat's files,
 * its installs, its start command; reached through the preview proxy at a link that does not
 * expire until it is unpublished. Publishing again updates the same sandbox (same link).
 */
export async function publishSandbox(
  service: SandboxService,
  env: ServerEnv,
  owner: string,
  input: { project: string; files: Array<{ path: string; content: string }>; installs: string[]; start: string; newLink?: boolean },
  send: (event: PublishEvent) => void,
  admit: () => Promise<void>,
  clientIp: string | undefined,
) {
  const publishing = sandboxPublishing(env);
  if (!publishing.allowed) throw new HttpError(403, publishing.note);
  const mine = await service.list(owner);
  const project = publishedProject(input.project);
  let sandbox = mine.find((s) => s.published && s.project === project);
  if (!sandbox) {
    if (mine.filter((s) => s.published).length >= PUBLISHED_PER_SESSION) throw new HttpError(429, `You have ${PUBLISHED_PER_SESSION} published apps running: unpublish one first.`);
    send({ type: 'state', state: 'creating the sandbox' });
    sandbox = await service.create(owner, project, admit, clientIp, { published: true });
  }
  const id = sandbox.id;

  send({ type: 'state', state: 'writing files' });
  const paths = new Set(input.files.map((file) => file.path));
  const stale = (await service.readTree(owner, id)).map((entry) => entry.path).filter((path) => !paths.has(path));
  await service.writeFiles(owner, id, input.files, stale);

  for (const command of input.installs) {
    send({ type: 'state', state: `running ${command}` });
    let tail = '';
    const { exitCode } = await service.exec(owner, id, command, { onOutput: (text) => ((tail = (tail + text).slice(-2000)), send({ type: 'log', text })) });
    if (exitCode !== 0) throw new HttpError(422, `\`${command}\` failed (exit code ${exitCode}) in the published sandbox: ${tail.trim().split('\n').slice(-3).join(' ')}`);
  }

  send({ type: 'state', state: `starting ${input.start}` });
  await service.start(owner, id, input.start);
  const port = await service.findPort(owner, id, LISTEN_TIMEOUT_MS);
  if (port === null) throw new HttpError(422, `The app did not listen on a port within ${LISTEN_TIMEOUT_MS / 1000} s of \`${input.start}\`.`);

  const now = Date.now();
  const links = (await service.listShares(owner, id)).filter((share) => share.expiresAt > now + PUBLISHED_LINK_AFTER_MS);
  let url: string | undefined;
  if (links.length === 0 || input.newLink) {
    for (const link of links) await service.revokeShare(owner, id, link.id);
    url = (await service.createShare(owner, id, PUBLISHED_LINK_HOURS)).url;
  }
  send({ type: 'done', siteId: id, ...(url ? { url } : {}) });
}

/** Unpublishes: the published sandbox is deleted, so its link stops answering at once. */
export async function unpublishSandbox(service: SandboxService, owner: string, project: string): Promise<{ unpublished: boolean }> {
  const published = (await service.list(owner)).find((s) => s.published && s.project === publishedProject(project));
  if (!published) return { unpublished: false };
  await service.delete(owner, published.id);
  return { unpublished: true };
}
