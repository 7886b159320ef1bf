// What a fake server answered, recorded where Node writes it (not by the fake): the contract tests
// hold these answers to the published API descriptions.
import { ServerResponse } from 'node:http';

export interface Answer {
  method: string;
  /** The Host header the request came with. */
  host: string;
  path: string;
  status: number;
  headers: Record<string, string>;
  body: Buffer;
}

/** Records every answer this process's HTTP servers write (in a contract test: only the fake's); returns the undo. */
export function recordAnswers(into: Answer[]) {
  const proto = ServerResponse.prototype;
  const { writeHead, write, end } = proto;
  const pending = new WeakMap<ServerResponse, { headers: Record<string, string>; chunks: Buffer[] }>();
  const of = (res: ServerResponse) => pending.get(res) ?? pending.set(res, { headers: {}, chunks: [] }).get(res)!;
  const bytes = (chunk: unknown) => (typeof chunk === 'string' ? Buffer.from(chunk) : Buffer.isBuffer(chunk) ? chunk : chunk instanceof Uint8Array ? Buffer.from(chunk) : undefined);
  proto.writeHead = function (this: ServerResponse, ...args: unknown[]) {
    const headers = args.find((a): a is Record<string, string> => typeof a === 'object' && a !== null && !Array.isArray(a));
    Object.assign(of(this).headers, Object.fromEntries(Object.entries(headers ?? {}).map(([k, v]) => [k.toLowerCase(), String(v)])));
    return (writeHead as (...a: unknown[]) => ServerResponse).apply(this, args);
  } as typeof proto.writeHead;
  proto.write = function (this: ServerResponse, chunk: unknown, ...rest: unknown[]) {
    const b = bytes(chunk);
    if (b) of(this).chunks.push(b);
    return (write as (...a: unknown[]) => boolean).apply(this, [chunk, ...rest]);
  } as typeof proto.write;
  proto.end = function (this: ServerResponse, chunk?: unknown, ...rest: unknown[]) {
    const b = bytes(chunk);
    const seen = of(this);
    if (b) seen.chunks.push(b);
    const url = new URL(this.req?.url ?? '/', 'http://fake');
    const set = Object.fromEntries(Object.entries(this.getHeaders()).map(([k, v]) => [k, String(v)]));
    into.push({ method: this.req?.method ?? '', host: this.req?.headers.host ?? '', path: url.pathname, status: this.statusCode, headers: { ...set, ...seen.headers }, body: Buffer.concat(seen.chunks) });
    return (end as (...a: unknown[]) => ServerResponse).apply(this, [chunk, ...rest]);
  } as typeof proto.end;
  return () => Object.assign(proto, { writeHead, write, end });
}
