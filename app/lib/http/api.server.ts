import type { AppLoadContext } from '@remix-run/node';
import type * as z from 'zod/mini';
import type { Session } from './session.server';
import { exposedError, HttpError, readJsonBody } from './json-body.server';
import { assertSameOriginJson } from './same-origin.server';
import type { StreamEvent } from '../sandbox/sandbox-api';

/**
 * The edge of the sandbox API: the session, input validation, and the one place where typed
 * errors become status codes and sentences. Handlers return a Response or plain data (JSON).
 */
export async function api(
  request: Request,
  context: AppLoadContext,
  handler: (session: Session) => Promise<Response | object>,
): Promise<Response> {
  const session = await context.sessions.get(request);
  let response: Response;
  try {
    assertSameOriginJson(request, context.env.APP_HOST);
    const result = await handler(session);
    response = result instanceof Response ? result : Response.json(result);
  } catch (error) {
    response = errorJson(error);
  }
  if (session.setCookie) response.headers.append('Set-Cookie', session.setCookie);
  response.headers.set('Cache-Control', 'no-store');
  return response;
}

export function errorJson(error: unknown): Response {
  const exposed = exposedError(error);
  if (exposed) return Response.json({ error: exposed.message }, { status: exposed.status, headers: exposed.headers });
  console.error('api:', error);
  return Response.json({ error: 'Something went wrong on the server. Try again.' }, { status: 500 });
}

export function body<T extends z.core.$ZodType>(request: Request, schema: T, maxBytes = 30_000_000) {
  return readJsonBody(request, schema, maxBytes);
}

export function requireMethod(request: Request, ...methods: string[]) {
  if (!methods.includes(request.method)) throw new HttpError(405, `Use ${methods.join(' or ')}.`);
}

/** A streamed response of JSON lines (the sandbox contract's stream events, or another contract's); `run` writes events and ends it. Errors become a last {type:"error", status, message} line. */
export function ndjson<E extends { type: string } = StreamEvent>(signal: AbortSignal, run: (send: (event: E) => void) => Promise<void>): Response {
  const encoder = new TextEncoder();
  const stream = new ReadableStream<Uint8Array>({
    async start(controller) {
      let open = true;
      const send = (event: E | Extract<StreamEvent, { type: 'error' }>) => {
        if (open && !signal.aborted) controller.enqueue(encoder.encode(`${JSON.stringify(event)}\n`));
      };
      try {
        await run(send);
      } catch (error) {
        const exposed = exposedError(error);
        if (!exposed) console.error('api stream:', error);
        send({ type: 'error', status: exposed?.status ?? 500, message: exposed?.message ?? 'Something went wrong on the server.' });
      } finally {
        open = false;
        controller.close();
      }
    },
  });
  return new Response(stream, { headers: { 'Content-Type': 'application/x-ndjson; charset=utf-8', 'X-Content-Type-Options': 'nosniff' } });
}
