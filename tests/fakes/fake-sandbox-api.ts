/**
 * An in-memory stand-in for the app's /api/sandboxes, as a `fetch` function: for testing the
 * browser side (CloudRuntime) without a server. It records every request.
 */
export class FakeSandboxApi {
  readonly requests: Array<{ method: string; path: string; body?: unknown }> = [];
  readonly files = new Map<string, string>();
  exitCodes = new Map<string, number>();
  port: number | null = null;
  /** The owner preview URL the server currently issues (it changes every 12 hours). */
  previewUrl = 'http://tok.localhost:5173/';
  gone = false;
  installDelayMs = 0;
  /** The sandbox's state archive (base64), as the state routes keep and answer it; a refusal's sentence instead, when set. */
  state = '';
  stateRefusal?: string;
  putDelayMs = 0;

  fetch = async (input: RequestInfo | URL, init: RequestInit = {}): Promise<Response> => {
    const path = String(input);
    const method = init.method ?? 'GET';
    const body = init.body ? JSON.parse(String(init.body)) : undefined;
    this.requests.push({ method, path, body });
    const json = (value: unknown, status = 200) => new Response(JSON.stringify(value), { status, headers: { 'content-type': 'application/json' } });
    const lines = (events: object[]) => new Response(events.map((e) => JSON.stringify(e)).join('\n') + '\n', { headers: { 'content-type': 'application/x-ndjson' } });
    const sandbox = { id: 'sb1', project: 'chat1', state: 'started', previewUrl: this.previewUrl, provider: 'local', createdAt: 1 };
    if (method === 'POST' && path === '/api/sandboxes') return json({ sandbox }, 201);
    if (this.gone) return json({ error: 'That sandbox does not exist.' }, 404);
    if (method === 'GET' && path.startsWith('/api/sandboxes/sb1?')) return json({ sandbox, port: this.port });
    if (method === 'GET' && path === '/api/sandboxes/sb1') return json({ sandbox, port: this.port });
    if (method === 'PUT' && path === '/api/sandboxes/sb1/files') {
      if (this.putDelayMs) await new Promise((r) => setTimeout(r, this.putDelayMs));
      for (const file of body.files) this.files.set(file.path, file.content);
      return json({ written: body.files.length, removed: body.remove.length });
    }
    if (method === 'POST' && path === '/api/sandboxes/sb1/exec') {
      if (/install/.test(body.command) && this.installDelayMs) await new Promise((r) => setTimeout(r, this.installDelayMs));
      return lines([{ type: 'output', data: `ran ${body.command}\n` }, { type: 'exit', exitCode: this.exitCodes.get(body.command) ?? 0 }]);
    }
    if (method === 'POST' && path === '/api/sandboxes/sb1/start') {
      this.port = 3000;
      return json({ processId: 'p1' });
    }
    if (method === 'GET' && path === '/api/sandboxes/sb1/logs/p1') return lines([{ type: 'output', data: 'listening\n' }]);
    if (method === 'DELETE' && path === '/api/sandboxes/sb1/processes/p1') return json({ killed: 'p1' });
    if (path === '/api/sandboxes/sb1/state') {
      if (this.stateRefusal) return json({ error: this.stateRefusal }, 413);
      if (method === 'PUT') this.state = body.archive;
      if (method === 'PUT') return json({ restored: true, files: 1 });
      if (method === 'POST') return json({ archive: this.state, bytes: Buffer.from(this.state, 'base64').length, files: 1 });
    }
    if (method === 'GET' && path === '/api/sandboxes/sb1/tree') return json({ entries: [...this.files].map(([p, content]) => ({ path: p, size: content.length, content })) });
    return json({ error: `no route ${method} ${path}` }, 404);
  };

  count(method: string, path: string) {
    return this.requests.filter((r) => r.method === method && r.path === path).length;
  }
}
