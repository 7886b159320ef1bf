// One request to the fake Daytona: its answer in Daytona's shapes, and a record of the request body
// fields and query parameters the fake read (the contract test holds them to the published schemas:
// tests/integration/daytona-contract.test.ts).
import { STATUS_CODES, type IncomingMessage, type ServerResponse } from 'node:http';

export interface FieldReads {
  method: string;
  /** The path as requested (with the /api or /toolbox/<id> mount). */
  path: string;
  body: Set<string>;
  query: Set<string>;
}

export class Exchange {
  readonly record: FieldReads;
  readonly url: URL;
  status?: number;

  constructor(
    readonly req: IncomingMessage,
    readonly res: ServerResponse,
    log: FieldReads[],
  ) {
    this.url = new URL(req.url ?? '/', 'http://fake');
    this.record = { method: req.method ?? '', path: this.url.pathname, body: new Set(), query: new Set() };
    log.push(this.record);
  }

  /** The request's raw bytes. */
  async bytes(): Promise<Buffer> {
    const chunks: Buffer[] = [];
    for await (const chunk of this.req) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks);
  }

  /** The JSON body; every field the fake reads of it is recorded. */
  async json<T extends object>(): Promise<T> {
    return this.parse<T>((await this.bytes()).toString());
  }

  /** `text` as JSON; every field the fake reads of it is recorded. */
  parse<T extends object>(text: string): T {
    const body = (text ? JSON.parse(text) : {}) as T;
    const reads = this.record.body;
    return new Proxy(body, {
      get(target, key, receiver) {
        // `then` is asked by `await`, not by the fake.
        if (typeof key === 'string' && key !== 'then') reads.add(key);
        return Reflect.get(target, key, receiver) as unknown;
      },
    });
  }

  query(name: string): string | null {
    this.record.query.add(name);
    return this.url.searchParams.get(name);
  }

  /** A JSON answer, or an empty one when `body` is undefined. */
  send(status: number, body?: unknown, headers: Record<string, string> = {}) {
    const all = body === undefined ? headers : { 'content-type': 'application/json; charset=utf-8', ...headers };
    this.status = status;
    this.res.writeHead(status, all);
    this.res.end(body === undefined ? undefined : JSON.stringify(body));
  }

  /** A non-JSON answer (multipart, text, HTML). */
  sendRaw(status: number, headers: Record<string, string>, bytes: Buffer | string) {
    this.status = status;
    this.res.writeHead(status, headers);
    this.res.end(bytes);
  }

  /** The API's error body (apps/api/src/filters/all-exceptions.filter.ts). */
  apiError(status: number, message: string, headers: Record<string, string> = {}) {
    this.send(status, { path: this.req.url ?? '', timestamp: new Date().toISOString(), statusCode: status, error: STATUS_CODES[status] ?? 'Error', message }, headers);
  }

  /**
   * The toolbox's error body (ErrorResponse in toolbox.json; libs/common-go/pkg/errors/middleware.go),
   * `path` as the service that refused saw it.
   */
  toolboxError(status: number, message: string, code: string, path = this.url.pathname) {
    this.send(status, { statusCode: status, message, code, timestamp: new Date().toISOString(), path, method: this.record.method });
  }
}
