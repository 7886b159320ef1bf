import type { RepoEvent } from '../git/repo-events';
import { exposedError } from './json-body.server';

/**
 * A server-sent-event response for a repository flow: `run` sends events; a thrown error becomes
 * an `error` event with its sentence; `done` always comes last. A comment line every 15 s keeps
 * proxies from closing the stream while a command or a model step takes its time.
 */
export function repoEventStream(signal: AbortSignal, run: (send: (event: RepoEvent) => void) => Promise<void>): Response {
  const encoder = new TextEncoder();
  const stream = new ReadableStream<Uint8Array>({
    async start(controller) {
      let open = true;
      const write = (text: string) => {
        if (open && !signal.aborted) controller.enqueue(encoder.encode(text));
      };
      const send = (event: RepoEvent) => write(`event: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`);
      const keepAlive = setInterval(() => write(': still working\n\n'), 15_000);
      let ok = true;
      try {
        await run(send);
      } catch (error) {
        ok = false;
        const exposed = exposedError(error);
        if (!exposed) console.error('repo flow:', error);
        send({ type: 'error', message: exposed?.message ?? 'Something went wrong on the server.', ...(exposed ? { status: exposed.status } : {}) });
      } finally {
        clearInterval(keepAlive);
        send({ type: 'done', ok });
        open = false;
        controller.close();
      }
    },
  });
  return new Response(stream, { headers: { 'Content-Type': 'text/event-stream; charset=utf-8', 'Cache-Control': 'no-store', 'X-Accel-Buffering': 'no', 'X-Content-Type-Options': 'nosniff' } });
}
