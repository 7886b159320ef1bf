import * as z from 'zod/mini';

export class HttpError extends Error {
  readonly expose = true;
  constructor(
    readonly status: number,
    message: string,
    /** Headers the error response carries (Retry-After). */
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

/** An error whose message is meant for the user, with its HTTP status (HttpError, SandboxError). */
export function exposedError(error: unknown): { status: number; message: string; headers: Record<string, string> } | null {
  const e = error as { expose?: unknown; status?: unknown; message?: unknown; headers?: unknown } | null;
  if (e && e.expose === true && typeof e.status === 'number' && typeof e.message === 'string') {
    return { status: e.status, message: e.message, headers: (e.headers as Record<string, string> | undefined) ?? {} };
  }
  return null;
}

/** Reads a JSON body of at most `maxBytes` (checked while reading, not only by Content-Length) and validates it. */
export async function readJsonBody<T extends z.core.$ZodType>(request: Request, schema: T, maxBytes: number): Promise<z.core.output<T>> {
  const declared = Number(request.headers.get('content-length') ?? '0');
  if (declared > maxBytes) throw new HttpError(413, `The request is too large (${declared} bytes; the limit is ${maxBytes}).`);
  if (!request.body) throw new HttpError(400, 'The request has no body.');
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > maxBytes) {
      await reader.cancel();
      throw new HttpError(413, `The request is too large (over ${maxBytes} bytes).`);
    }
    chunks.push(value);
  }
  let json: unknown;
  try {
    json = JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    throw new HttpError(400, 'The request body is not valid JSON.');
  }
  const parsed = z.safeParse(schema, json);
  if (!parsed.success) {
    const first = parsed.error.issues[0];
    throw new HttpError(400, `Invalid request: ${first.path.join('.') || 'body'}: ${first.message}`);
  }
  return parsed.data;
}
