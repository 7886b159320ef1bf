// Holding a fake to a host's published API description (the contract tests): every answer this
// process's HTTP servers write, recorded where Node writes it (not by the fake), and where a JSON
// value departs from a schema kept in a contract fixture (tests/fixtures/*/contract.json).
import { ServerResponse } from 'node:http';

/**
 * A schema as the contract fixtures keep it: OpenAPI's type, enum, nullable, required, properties,
 * items and oneOf, or `schema`, the name of one kept in the fixture's table of schemas (Daytona,
 * Netlify: the answers' schemas by name; Vercel: inline).
 */
export interface Schema {
  type?: string;
  enum?: unknown[];
  nullable?: boolean;
  required?: string[];
  properties?: Record<string, Schema>;
  items?: Schema;
  oneOf?: Schema[];
  /** A schema kept in the fixture's table by this name. */
  schema?: string;
  /** Set when the fixture keeps only some of the schema's properties (why, in words). */
  kept?: string;
}

/** A schema of the fixtures' tables: an object's, by name. */
export interface ObjectSchema extends Schema {
  required: string[];
  properties: Record<string, Schema>;
}

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

/** Whether `value` is of an OpenAPI (JSON Schema) type: string, number, integer, boolean, object, array. */
export function isOfType(value: unknown, type: string): boolean {
  switch (type) {
    case 'string':
      return typeof value === 'string';
    case 'number':
      return typeof value === 'number';
    case 'integer':
      return Number.isInteger(value);
    case 'boolean':
      return typeof value === 'boolean';
    case 'object':
      return typeof value === 'object' && value !== null && !Array.isArray(value);
    case 'array':
      return Array.isArray(value);
    default:
      return false;
  }
}

/**
 * Where `value` departs from `schema` (`schemas`: the fixture's table, for `schema` names): null
 * where it is not allowed, none of `oneOf`, values outside an enum, wrong types, and of an object
 * missing required fields and fields the schema does not have.
 */
export function departures(value: unknown, schema: Schema, schemas: Record<string, Schema>, at: string): string[] {
  if (value === null) return schema.nullable || schema.enum?.includes(null) ? [] : [`${at}: null, the schema does not allow null`];
  if (schema.schema) return schemas[schema.schema] ? departures(value, schemas[schema.schema], schemas, at) : [`${at}: schema ${schema.schema} is not kept in contract.json (add it to extract-contract.mjs)`];
  if (schema.oneOf) {
    const each = schema.oneOf.map((s) => departures(value, s, schemas, at));
    return each.some((d) => d.length === 0) ? [] : [`${at}: matches none of its ${schema.oneOf.length} shapes (${each.map((d) => d[0]).join('; ')})`];
  }
  if (schema.enum && !schema.enum.includes(value)) return [`${at}: ${JSON.stringify(value)} is not one of the schema's values`];
  if (schema.type && !isOfType(value, schema.type)) return [`${at}: ${JSON.stringify(value)} is not of type ${schema.type}`];
  if (Array.isArray(value) && schema.items) return value.flatMap((item, i) => departures(item, schema.items!, schemas, `${at}[${i}]`));
  if (!schema.properties) return [];
  if (!isOfType(value, 'object')) return [`${at}: not an object`];
  const out: string[] = [];
  for (const key of schema.required ?? []) if (!(key in (value as object))) out.push(`${at}.${key}: required, missing`);
  for (const [key, v] of Object.entries(value as object)) {
    const field = schema.properties[key];
    if (!field) out.push(`${at}.${key}: ${schema.kept ? 'not kept in contract.json (documented? add it to extract-contract.mjs)' : 'not in the schema'}`);
    else out.push(...departures(v, field, schemas, `${at}.${key}`));
  }
  return out;
}

/** What a fake read of one request (the fakes' Exchange records it): body fields and query parameters. */
export interface Reads {
  method: string;
  path: string;
  body: Iterable<string>;
  query: Iterable<string>;
}

/**
 * The body fields and query parameters a fake read that the description of the request's operation
 * does not define (`describe`: the operation a request is, with its request body's schema; undefined
 * for what is not an operation, which is not checked here).
 */
export function readsBeyond(reads: Reads[], describe: (method: string, path: string) => { operationId: string; query: string[]; request?: Schema } | undefined): string[] {
  const out: string[] = [];
  for (const read of reads) {
    const op = describe(read.method, read.path);
    if (!op) continue;
    for (const field of read.body) if (!op.request?.properties?.[field]) out.push(`${op.operationId}: reads body field ${field}`);
    for (const name of read.query) if (!op.query.includes(name)) out.push(`${op.operationId}: reads query parameter ${name}`);
  }
  return out;
}
