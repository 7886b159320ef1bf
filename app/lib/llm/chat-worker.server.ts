// The worker thread of WorkerChatStreamer: runs streamChat and sends the response's bytes back.
import { parentPort, workerData } from 'node:worker_threads';
import type { ServerEnv } from '../env.server';
import { streamChat } from './chat-stream.server';
import type { ChatStreamJob } from './chat-streamer.server';
import { errorMessage } from '../error-message';

// Parsed once by the server, which started this worker.
const { env } = workerData as { env: ServerEnv };
const controllers = new Map<number, AbortController>();
const port = parentPort!;

port.on('message', (message: { type: 'start'; id: number; job: ChatStreamJob } | { type: 'abort'; id: number }) => {
  if (message.type === 'abort') {
    controllers.get(message.id)?.abort();
    return;
  }
  void run(message.id, message.job);
});

async function run(id: number, job: ChatStreamJob) {
  const controller = new AbortController();
  controllers.set(id, controller);
  try {
    const response = streamChat({ env, ...job, signal: controller.signal });
    port.postMessage({ type: 'head', id, status: response.status, headers: [...response.headers] });
    const reader = response.body!.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      if (controller.signal.aborted) {
        await reader.cancel();
        break;
      }
      port.postMessage({ type: 'chunk', id, chunk: value });
    }
    port.postMessage({ type: 'end', id });
  } catch (error) {
    port.postMessage({ type: 'error', id, message: errorMessage(error) });
  } finally {
    controllers.delete(id);
  }
}
