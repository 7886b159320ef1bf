// Node only: answers streamed on a worker thread (the Node server). Pages uses InProcessChatStreamer.
import { Worker } from 'node:worker_threads';
import type { ServerEnv } from '../env.server';
import type { ChatStreamer, ChatStreamJob, ChatStreamRequest } from './chat-streamer.server';

type FromWorker =
  | { type: 'head'; id: number; status: number; headers: Array<[string, string]> }
  | { type: 'chunk'; id: number; chunk: Uint8Array }
  | { type: 'end'; id: number }
  | { type: 'error'; id: number; message: string };

interface OpenStream {
  controller: ReadableStreamDefaultController<Uint8Array>;
  body: ReadableStream<Uint8Array>;
  resolve: (response: Response) => void;
  reject: (error: Error) => void;
  answered: boolean;
}

const WORKER_FAILED = new TextEncoder().encode(
  `data: ${JSON.stringify({ type: 'error', errorText: 'The server stopped streaming this answer unexpectedly. What arrived is kept; press Retry to ask again.' })}\n\n`,
);

/**
 * Runs the model streams on a worker thread. Each chat request costs milliseconds of CPU to set
 * up and every chunk passes through several web streams; on the worker, that work stays off the
 * event loop that serves pages, the API and previews. The main thread only relays bytes.
 */
export class WorkerChatStreamer implements ChatStreamer {
  #worker!: Worker;
  #streams = new Map<number, OpenStream>();
  #next = 0;
  #closing = false;

  /** `env`: the server's parsed configuration, handed to the worker as it is (not parsed again there). */
  constructor(
    private readonly env: ServerEnv,
    private readonly entry = new URL('./chat-worker-boot.mjs', import.meta.url),
  ) {
    this.#spawn();
  }

  #spawn() {
    this.#worker = new Worker(this.entry, { workerData: { env: this.env } });
    this.#worker.on('message', (message: FromWorker) => this.#receive(message));
    this.#worker.on('error', (error) => console.error(`chat worker: ${error.message}`));
    this.#worker.on('exit', (code) => {
      this.#failAll();
      if (!this.#closing) {
        console.error(`chat worker exited with code ${code}; starting a new one`);
        this.#spawn();
      }
    });
  }

  stream({ signal, ...job }: ChatStreamRequest): Promise<Response> {
    const id = ++this.#next;
    return new Promise<Response>((resolve, reject) => {
      let controller!: ReadableStreamDefaultController<Uint8Array>;
      const body = new ReadableStream<Uint8Array>({
        start: (c) => {
          controller = c;
        },
        cancel: () => this.#abort(id),
      });
      const open: OpenStream = { controller, body, resolve, reject, answered: false };
      this.#streams.set(id, open);
      signal.addEventListener('abort', () => this.#abort(id), { once: true });
      this.#worker.postMessage({ type: 'start', id, job } satisfies { type: 'start'; id: number; job: ChatStreamJob });
    });
  }

  #abort(id: number) {
    if (this.#streams.delete(id)) this.#worker.postMessage({ type: 'abort', id });
  }

  #receive(message: FromWorker) {
    const open = this.#streams.get(message.id);
    if (!open) return;
    switch (message.type) {
      case 'head':
        open.answered = true;
        open.resolve(new Response(open.body, { status: message.status, headers: message.headers }));
        return;
      case 'chunk':
        open.controller.enqueue(message.chunk);
        return;
      case 'end':
        this.#streams.delete(message.id);
        open.controller.close();
        return;
      case 'error':
        this.#streams.delete(message.id);
        if (open.answered) {
          open.controller.enqueue(WORKER_FAILED);
          open.controller.close();
        } else open.reject(new Error(message.message));
        return;
    }
  }

  /** The worker died: every open answer ends with a message instead of hanging. */
  #failAll() {
    for (const [id, open] of this.#streams) {
      this.#streams.delete(id);
      if (open.answered) {
        try {
          open.controller.enqueue(WORKER_FAILED);
          open.controller.close();
        } catch {
          // the client already went away
        }
      } else open.reject(new Error('The chat worker stopped.'));
    }
  }

  async close() {
    this.#closing = true;
    await this.#worker.terminate();
  }
}
