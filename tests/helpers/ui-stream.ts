import { parseJsonEventStream, readUIMessageStream, uiMessageChunkSchema, type UIMessage, type UIMessageChunk } from 'ai';

/** Reads an /api/chat response (a UI message stream over SSE) into its text and error. */
export async function readUIStream(response: Response) {
  const body = await response.text();
  let text = '';
  let error: string | undefined;
  let metadata: unknown;
  const types: string[] = [];
  for (const line of body.split('\n')) {
    if (!line.startsWith('data: ') || line === 'data: [DONE]') continue;
    const chunk = JSON.parse(line.slice(6)) as { type: string; delta?: string; errorText?: string; messageMetadata?: unknown };
    types.push(chunk.type);
    if (chunk.type === 'text-delta') text += chunk.delta ?? '';
    if (chunk.type === 'error') error = chunk.errorText;
    if (chunk.type === 'message-metadata') metadata = chunk.messageMetadata;
  }
  return { text, error, types, metadata, raw: body };
}

/** The answer an /api/chat response builds, read with the AI SDK's own stream reader (what useChat keeps). */
export async function readAnswer(response: Response, message?: UIMessage): Promise<UIMessage> {
  const chunks = parseJsonEventStream({ stream: response.body!, schema: uiMessageChunkSchema }).pipeThrough(
    new TransformStream<{ success: true; value: UIMessageChunk } | { success: false; error: unknown }, UIMessageChunk>({
      transform(result, controller) {
        if (!result.success) throw result.error;
        controller.enqueue(result.value);
      },
    }),
  );
  let answer: UIMessage | undefined;
  for await (const state of readUIMessageStream({ stream: chunks, message })) answer = state;
  if (!answer) throw new Error('the response built no message');
  return answer;
}
