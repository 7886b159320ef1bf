import { describe, expect, it } from 'vitest';
import { createSandboxRequest, execRequest, writeFilesRequest } from './sandbox-api';
import { SandboxApiError, SandboxClient } from './sandbox-client';

const SANDBOX = { id: 'sb1', project: 'p', state: 'started', provider: 'local', previewUrl: 'http://t.localhost/', createdAt: 1 };

/** A client whose server answers with `respond`, recording the URLs asked for. */
function clientAnswering(respond: (url: string, init: RequestInit) => Response | Promise<Response>) {
  const urls: string[] = [];
  const client = new SandboxClient({
    baseUrl: 'http://app.test',
    fetch: async (input, init = {}) => {
      urls.push(String(input));
      return respond(String(input), init);
    },
  });
  return { client, urls };
}
const json = (value: unknown, status = 200) => new Response(JSON.stringify(value), { status, headers: { 'content-type': 'application/json' } });
const lines = (...events: unknown[]) => new Response(events.map((e) => (typeof e === 'string' ? e : JSON.stringify(e))).join('\n') + '\n');

describe('the sandbox API contract', () => {
  it('refuses what it does not know: extra fields, paths that leave the project, empty commands', () => {
    expect(createSandboxRequest.safeParse({ project: 'p' }).success).toBe(true);
    expect(createSandboxRequest.safeParse({ project: 'p', start: 'npm start' }).success).toBe(false);
    expect(writeFilesRequest.safeParse({ files: [{ path: '../etc/passwd', content: 'x' }] }).success).toBe(false);
    expect(writeFilesRequest.parse({ files: [{ path: 'src/./a.js', content: 'x' }] })).toEqual({ files: [{ path: 'src/a.js', content: 'x', encoding: 'utf8' }], remove: [] });
    expect(execRequest.safeParse({ command: '   ' }).success).toBe(false);
    expect(execRequest.parse({ command: ' npm test ' }).command).toBe('npm test');
  });
});

describe('SandboxClient', () => {
  it('returns typed answers and builds its paths from the ids it is given', async () => {
    const { client, urls } = clientAnswering(() => json({ sandbox: SANDBOX, port: 3000 }));
    expect(await client.status('a b/c', 5000)).toEqual({ sandbox: SANDBOX, port: 3000 });
    expect(urls).toEqual(['http://app.test/api/sandboxes/a%20b%2Fc?waitForPortMs=5000']);
  });

  it('refuses an answer that breaks the contract with a sentence that says so', async () => {
    const { client } = clientAnswering(() => json({ sandbox: { ...SANDBOX, previewUrl: 42 }, port: null }));
    const error = await client.status('sb1').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SandboxApiError);
    expect(error).toMatchObject({ status: 502, message: expect.stringMatching(/^The server's answer to GET \/api\/sandboxes\/sb1 was not what this app expects \(sandbox\.previewUrl: /) });
  });

  it("gives the server's error sentence and status, or the status alone when the body is not the API's", async () => {
    const api = clientAnswering(() => json({ error: 'That sandbox does not exist.' }, 404)).client;
    await expect(api.tree('sb1')).rejects.toMatchObject({ status: 404, message: 'That sandbox does not exist.' });
    const proxy = clientAnswering(() => new Response('<html>Bad gateway</html>', { status: 502 })).client;
    await expect(proxy.tree('sb1')).rejects.toMatchObject({ status: 502, message: 'The server answered HTTP 502.' });
    const down = clientAnswering(() => Promise.reject(new TypeError('fetch failed'))).client;
    await expect(down.tree('sb1')).rejects.toMatchObject({ status: 0, message: expect.stringMatching(/could not be reached/) });
  });

  it('streams output, returns the exit code, and throws the error line of a stream that failed midway', async () => {
    const output: string[] = [];
    const ok = clientAnswering(() => lines({ type: 'output', data: 'a' }, { type: 'output', data: 'b' }, { type: 'exit', exitCode: 3 })).client;
    expect(await ok.exec('sb1', 'make', { onOutput: (c) => output.push(c) })).toEqual({ exitCode: 3, timedOut: undefined });
    expect(output).toEqual(['a', 'b']);

    const failed = clientAnswering(() => lines({ type: 'output', data: 'x' }, { type: 'error', status: 410, message: 'The sandbox was deleted.' })).client;
    await expect(failed.exec('sb1', 'make', { onOutput: () => {} })).rejects.toMatchObject({ status: 410, message: 'The sandbox was deleted.' });

    const cut = clientAnswering(() => lines({ type: 'output', data: 'x' })).client;
    await expect(cut.exec('sb1', 'make', { onOutput: () => {} })).rejects.toThrow(/ended without its exit code/);

    const garbled = clientAnswering(() => lines('{"type":"output","data":"x"}', 'not json')).client;
    await expect(garbled.exec('sb1', 'make', { onOutput: () => {} })).rejects.toThrow(/a line that is not JSON/);
    const unknown = clientAnswering(() => lines({ type: 'surprise' })).client;
    await expect(unknown.exec('sb1', 'make', { onOutput: () => {} })).rejects.toMatchObject({ status: 502 });
  });
});
