// A chat worker that answers "hello" and then dies mid-stream (for WorkerChatStreamer's tests).
import { parentPort } from 'node:worker_threads';

parentPort.on('message', (message) => {
  if (message.type !== 'start') return;
  parentPort.postMessage({ type: 'head', id: message.id, status: 200, headers: [['content-type', 'text/event-stream']] });
  parentPort.postMessage({ type: 'chunk', id: message.id, chunk: new TextEncoder().encode('data: {"type":"text-delta","id":"t","delta":"hello"}\n\n') });
  if (message.job.model === 'die') setTimeout(() => process.exit(3), 20);
  else parentPort.postMessage({ type: 'end', id: message.id });
});
