// Checking a fake's answers against a published API description: every answer this process's HTTP
// servers write, recorded where Node writes it (not by the fake), and where a JSON value departs
// from a schema kept in a contract fixture (tests/fixtures/*/contract.json).
import { ServerResponse } from 'node:http';

export interface Field {
  type?: string;
  enum?: string[];
  schema?: string;
  items?: Field;
  nullable?: boolean;
}
export interface Schema {
  required: string[];
  properties: Record<string, Field>;
}
export interface Answer {
  method: string;
  path: string;
  status: number;
  headers: Record<string, string>;
  body: Buffer;
}

/** Records every answer this process's HTTP servers write (here: only the fake's). */
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
    into.push({ method: this.req?.method ?? '', path: url.pathname, status: this.statusCode, headers: { ...set, ...seen.headers }, body: Buffer.concat(seen.chunks) });
    return (end as (...a: unknown[]) => ServerResponse).apply(this, [chunk, ...rest]);
  } as typeof proto.end;
  return () => Object.assign(proto, { writeHead, write, end });
}

/** Where `value` departs from `schema`: unknown fields, missing required ones, wrong types, values outside an enum. */
export function departures(value: unknown, schema: Schema, schemas: Record<string, Schema>, at: string): string[] {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return [`${at}: not an object`];
  const out: string[] = [];
  for (const key of schema.required) if (!(key in value)) out.push(`${at}.${key}: required, missing`);
  for (const [key, v] of Object.entries(value)) {
    const field = schema.properties[key];
    if (!field) out.push(`${at}.${key}: not in the schema`);
    else out.push(...fieldDepartures(v, field, schemas, `${at}.${key}`));
  }
  return out;
}

export function fieldDepartures(v: unknown, field: Field, schemas: Record<string, Schema>, at: string): string[] {
  if (v === null) return field.nullable ? [] : [`${at}: null, the schema does not allow null`];
  if (field.enum) return typeof v === 'string' && field.enum.includes(v) ? [] : [`${at}: ${JSON.stringify(v)} is not one of the schema's values`];
  if (field.schema) return schemas[field.schema] ? departures(v, schemas[field.schema], schemas, at) : [`${at}: schema ${field.schema} is not kept in contract.json (add it to extract-contract.mjs)`];
  const ok: Record<string, boolean> = {
    string: typeof v === 'string',
    number: typeof v === 'number',
    integer: Number.isInteger(v),
    boolean: typeof v === 'boolean',
    object: typeof v === 'object' && !Array.isArray(v),
    array: Array.isArray(v),
  };
  if (field.type && !ok[field.type]) return [`${at}: ${JSON.stringify(v)} is not of type ${field.type}`];
  if (field.type === 'array' && field.items) return (v as unknown[]).flatMap((item, i) => fieldDepartures(item, field.items!, schemas, `${at}[${i}]`));
  return [];
}

