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
