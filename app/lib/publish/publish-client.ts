import type * as z from 'zod/mini';
import { readLines, SandboxApiError } from '../sandbox/sandbox-client';
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

async function request(method: string, path: string, body?: unknown, signal?: AbortSignal): Promise<Response> {
  let response: Response;
  try {
    response = await fetch(path, { method, headers: body === undefined ? {} : { 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body), signal, credentials: 'same-origin' });
  } catch (error) {
    if (signal?.aborted) throw error;
    throw new SandboxApiError('The app server could not be reached. Check your connection and try again.', 0);
  }
  if (!response.ok) {
    const text = await response.text();
    let message = `The server answered HTTP ${response.status}.`;
    try {
      message = (JSON.parse(text) as { error?: string }).error ?? message;
    } catch {
      // not the API's error shape: keep the status sentence
    }
    throw new SandboxApiError(message, response.status);
  }
  return response;
}

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
