import { afterEach, describe, expect, it } from 'vitest';
import { readUIStream } from '../../../tests/helpers/ui-stream';
import { parseServerEnv } from '../env.server';
import { WorkerChatStreamer } from './worker-chat-streamer.server';

const entry = new URL('../../../tests/fakes/dying-chat-worker.mjs', import.meta.url);
const env = parseServerEnv({});
let streamer: WorkerChatStreamer | undefined;
afterEach(() => streamer?.close());

const request = (model: string) => ({ messages: [], model, signal: new AbortController().signal });

describe('WorkerChatStreamer', () => {
  it("relays a worker's response head and bytes", async () => {
    streamer = new WorkerChatStreamer(env, entry);
    const response = await streamer.stream(request('ok'));
    expect(response.headers.get('content-type')).toBe('text/event-stream');
    expect(await readUIStream(response)).toMatchObject({ text: 'hello', error: undefined });
  });

  it('ends an answer with a message when the worker dies, and starts a new worker', async () => {
    streamer = new WorkerChatStreamer(env, entry);
    const { text, error } = await readUIStream(await streamer.stream(request('die')));
    expect(text).toBe('hello');
    expect(error).toMatch(/stopped streaming this answer unexpectedly/);
    await new Promise((r) => setTimeout(r, 200));
    expect((await readUIStream(await streamer.stream(request('ok')))).text).toBe('hello');
  });
});
