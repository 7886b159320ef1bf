import type * as z from 'zod/mini';
import { readLines, requestApi, SandboxApiError } from '../sandbox/sandbox-client';
import { publishEvent, publishPaths, publishTargetsView, type PublishEvent, type PublishSandboxRequest, type PublishStaticRequest, type PublishTargetsView, type StaticHost } from './publish-api';

/**
 * The browser's client of /api/publish: where it can publish, token pastes, and the two publishes
 * (their progress read as JSON lines as it arrives). Failures are SandboxApiErrors with the
 * server's sentence, as the sandbox API's are.
 */
export const publishApi = {
  targets: () => json(publishTargetsView, 'GET', publishPaths.targets),
  pasteToken: (host: StaticHost, token: string) => request('PUT', publishPaths.token, { host, token }),
  forgetToken: (host: StaticHost) => request('DELETE', publishPaths.token, { host }),
  publishStatic: (body: PublishStaticRequest, onEvent: (event: PublishEvent) => void, signal?: AbortSignal) => stream(publishPaths.static, body, onEvent, signal),
  publishSandbox: (body: PublishSandboxRequest, onEvent: (event: PublishEvent) => void, signal?: AbortSignal) => stream(publishPaths.sandbox, body, onEvent, signal),
  unpublish: (project: string) => request('DELETE', publishPaths.sandbox, { project }),
};

/** Through the page's fetch at call time (tests stub it). */
const request = (method: string, path: string, body?: unknown, signal?: AbortSignal) => requestApi((input, init) => fetch(input, init), path, method, body, signal);

async function json<S extends z.ZodMiniType>(schema: S, method: string, path: string): Promise<z.infer<S>> {
  const parsed = schema.safeParse(await (await request(method, path)).json());
  if (!parsed.success) throw new SandboxApiError(`The server's answer to ${method} ${path} was not what this app expects.`, 502);
  return parsed.data;
}

/** A publish: events as they come; resolves with the last (`done`), rejects with an `error` line's sentence. */
async function stream(path: string, body: unknown, onEvent: (event: PublishEvent) => void, signal?: AbortSignal): Promise<Extract<PublishEvent, { type: 'done' }>> {
  const response = await request('POST', path, body, signal);
  let done: Extract<PublishEvent, { type: 'done' }> | undefined;
  await readLines(response, (line) => {
    if (!line.trim()) return;
    const parsed = publishEvent.safeParse(JSON.parse(line));
    if (!parsed.success) throw new SandboxApiError('The server sent a publish event this app does not know.', 502);
    const event = parsed.data;
    if (event.type === 'error') throw new SandboxApiError(event.message, event.status);
    if (event.type === 'done') done = event;
    onEvent(event);
  });
  if (!done) throw new SandboxApiError('The publish stopped before it finished (the connection was cut). Publish again: only what the host lacks is sent.', 0);
  return done;
}

export type { PublishTargetsView };
