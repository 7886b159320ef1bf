import type { RepoEvent } from '../git/repo-events';
import { exposedError } from './json-body.server';
import { redactSecrets } from './redact';

/**
 * A server-sent-event response for a repository flow: `run` sends events; a thrown error becomes
 * an `error` event with its sentence; `done` always comes last. A comment line every 15 s keeps
 * proxies from closing the stream while a command or a model step takes its time. `secrets` (the
 * flow's token) are taken out of every event, in every form redact.ts knows, whatever produced it.
 */
export function repoEventStream(signal: AbortSignal, run: (send: (event: RepoEvent) => void) => Promise<void>, secrets: Array<string | undefined> = []): Response {
  const encoder = new TextEncoder();
  const stream = new ReadableStream<Uint8Array>({
    async start(controller) {
      let open = true;
      const write = (text: string) => {
        if (open && !signal.aborted) controller.enqueue(encoder.encode(text));
      };
      const send = (event: RepoEvent) => write(`event: ${event.type}\ndata: ${redactSecrets(JSON.stringify(event), secrets)}\n\n`);
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
