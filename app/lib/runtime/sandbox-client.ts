/** The browser's side of /api/sandboxes: JSON calls and JSON-lines streams, errors as sentences. */
export class SandboxApiError extends Error {
  override name = 'SandboxApiError';
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
  }
}

export interface SandboxSummary {
  id: string;
  project: string;
  previewUrl: string;
  provider: 'local' | 'daytona';
}

export type StreamEvent = { type: string; [key: string]: unknown };

export async function callJson<T>(method: string, path: string, body?: unknown, signal?: AbortSignal): Promise<T> {
  const response = await request(method, path, body, signal);
  return (await response.json()) as T;
}

/** Calls a streaming endpoint and hands each JSON line to `onEvent`; a trailing error line is thrown. */
export async function callStream(method: string, path: string, body: unknown, onEvent: (event: StreamEvent) => void, signal?: AbortSignal): Promise<void> {
  const response = await request(method, path, body, signal);
  await readLines(response, (line) => {
    if (!line.trim()) return;
    const event = JSON.parse(line) as StreamEvent;
    if (event.type === 'error') throw new SandboxApiError(String(event.message), Number(event.status) || 500);
    onEvent(event);
  });
}

/** Reads a response body line by line as it arrives. */
export async function readLines(response: Response, onLine: (line: string) => void): Promise<void> {
  const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    buffer += value;
    let newline: number;
    while ((newline = buffer.indexOf('\n')) >= 0) {
      const line = buffer.slice(0, newline);
      buffer = buffer.slice(newline + 1);
      onLine(line);
    }
  }
}

async function request(method: string, path: string, body: unknown, signal?: AbortSignal): Promise<Response> {
  let response: Response;
  try {
    response = await fetch(path, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal,
      credentials: 'same-origin',
    });
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
      // not JSON
    }
    throw new SandboxApiError(message, response.status);
  }
  return response;
}
