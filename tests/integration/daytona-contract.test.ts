// The fake Daytona against Daytona's published OpenAPI descriptions (tests/fixtures/daytona/contract.json,
// from github.com/daytona/clients): driven through the real @daytonaio/sdk, every answer it gives
// is recorded where Node writes it (not by the fake) and must be an operation the descriptions
// have, with a status they list (or one Daytona's server source answers, listed below with its
// file) and only the fields their schemas define, of the types they define.
import { Daytona, type CreateSandboxFromSnapshotParams } from '@daytonaio/sdk';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultScript, FakeDaytona } from '../fakes/fake-daytona';
import { departures, readsBeyond, recordAnswers, type Answer, type ObjectSchema } from '../support/contract';

interface Operation {
  method: string;
  path: string;
  operationId: string;
  statuses: number[];
  query: string[];
  request?: string;
  responses?: Record<string, string>;
}
interface Document {
  mount: string;
  operations: Operation[];
  schemas: Record<string, ObjectSchema>;
  errorSchema?: string;
}
const contract = JSON.parse(readFileSync(new URL('../fixtures/daytona/contract.json', import.meta.url), 'utf8')) as { api: Document; toolbox: Document };

/**
 * Statuses the descriptions do not list for these operations but Daytona's server answers
 * (github.com/daytonaio/daytona @ b5a5d9e78d76c8bcf351f2049620250e0f34eea4). api.json lists only
 * 200 for every sandbox operation.
 */
const SERVER_STATUSES: Record<'api' | 'toolbox', Record<number, string>> = {
  api: {
    400: 'apps/api/src/sandbox/services/sandbox.service.ts: quotas, per-sandbox limits, invalid states (BadRequestError, SandboxError); sandbox.controller.ts: resources with a snapshot',
    401: 'apps/api/src/filters/all-exceptions.filter.ts: UnauthorizedException from the API key guard',
    404: 'apps/api/src/sandbox/services/sandbox.service.ts: findOneByIdOrName, "Sandbox with ID or name … not found"',
    409: 'apps/api/src/exceptions/state-change-in-progress.exception.ts: "Sandbox state change in progress"',
    429: '@nestjs/throttler 6.4.0 src/throttler.guard.ts, throttlers named in apps/api/src/app.module.ts',
    500: 'apps/api/src/filters/all-exceptions.filter.ts: any other exception',
  },
  toolbox: {
    400: 'apps/runner/pkg/api/controllers/proxy.go: "… Is the Sandbox started?"; apps/proxy/pkg/proxy/get_sandbox_target.go: "failed to get runner info"',
    401: 'apps/proxy/pkg/proxy/auth.go: Authenticate, "unauthorized: …"',
    404: 'apps/runner/pkg/api/controllers/proxy.go: the sandbox container does not exist (NewNotFoundError)',
  },
};
/** The API's error body (apps/api/src/filters/all-exceptions.filter.ts): the same five fields for every status. */
const API_ERROR: ObjectSchema = {
  required: ['path', 'timestamp', 'statusCode', 'error', 'message'],
  properties: { path: { type: 'string' }, timestamp: { type: 'string' }, statusCode: { type: 'integer' }, error: { type: 'string' }, message: { type: 'string' } },
};
/** The throttlers of the API (apps/api/src/app.module.ts); @nestjs/throttler names its header Retry-After-<throttler>. */
const THROTTLERS = ['authenticated', 'sandbox-create', 'sandbox-lifecycle'];
/** Served by the fake, outside both descriptions, each for a reason. */
const OUTSIDE = [
  { pattern: /^\/api\/socket\.io/, why: "the SDK's event subscription (socket.io), not an OpenAPI operation; answered 404 so the SDK polls", statuses: [404] },
  { pattern: /^\/preview\/[^/]+\/\d+(\/|$)/, why: "stands in for Daytona's proxy host <port>-<sandboxId>.<proxy domain> (apps/proxy)", statuses: [200, 400, 401, 404] },
];

const templateRegex = (mount: string, path: string) => new RegExp(`^${mount.replace('{sandboxId}', '[^/]+')}${path.replace(/\{[^}]+\}/g, '[^/]+')}$`);

function operationFor(method: string, path: string): { surface: 'api' | 'toolbox'; doc: Document; op?: Operation; pathKnown: boolean } | undefined {
  for (const surface of ['api', 'toolbox'] as const) {
    const doc = contract[surface];
    if (!templateRegex(doc.mount, '/.*').test(path)) continue;
    const matching = doc.operations.filter((op) => templateRegex(doc.mount, op.path).test(path));
    // A literal path wins over a template ("/sandbox/x/labels" is not "/sandbox/{id}").
    const op = matching.filter((o) => o.method === method).sort((a, b) => b.path.length - a.path.length)[0];
    return { surface, doc, op, pathKnown: matching.length > 0 };
  }
  return undefined;
}

/** What is wrong with one answer of the fake, by the descriptions (and the server statuses above). */
function violations(answer: Answer): string[] {
  const where = `${answer.method} ${answer.path} → ${answer.status}`;
  const outside = OUTSIDE.find((o) => o.pattern.test(answer.path));
  if (outside) return outside.statuses.includes(answer.status) ? [] : [`${where}: status not expected of ${outside.why}`];
  const found = operationFor(answer.method, answer.path);
  if (!found) return [`${where}: a route in neither description`];
  const { surface, doc, op, pathKnown } = found;
  // Answering 404 to a path the fake does not serve is not serving it.
  if (!op) return answer.status === 404 ? [] : [`${where}: ${pathKnown ? 'a method' : 'a route'} the ${surface} description does not have`];
  const out: string[] = [];
  if (!op.statuses.includes(answer.status) && !SERVER_STATUSES[surface][answer.status]) out.push(`${where}: status not documented for ${op.operationId} nor answered by Daytona's server`);
  const json = /json/.test(answer.headers['content-type'] ?? '') && answer.body.length ? (JSON.parse(answer.body.toString()) as unknown) : undefined;
  const schemaName = op.responses?.[String(answer.status)];
  if (answer.status < 400) {
    if (schemaName) out.push(...(json === undefined ? [`${where}: no JSON body, the schema is ${schemaName}`] : departures(json, doc.schemas[schemaName], doc.schemas, `${op.operationId}(${answer.status})`)));
  } else if (surface === 'toolbox') {
    out.push(...departures(json, doc.schemas[doc.errorSchema!], doc.schemas, `${op.operationId}(${answer.status}) ErrorResponse`));
  } else {
    out.push(...departures(json, API_ERROR, {}, `${op.operationId}(${answer.status}) error body`));
  }
  if (answer.status === 429) {
    const named = Object.keys(answer.headers).filter((h) => THROTTLERS.some((t) => h === `retry-after-${t}`));
    if (!named.length) out.push(`${where}: a 429 without Retry-After-<throttler> (${THROTTLERS.join(', ')})`);
    if ('retry-after' in answer.headers) out.push(`${where}: a plain Retry-After, which only the failed-auth limiter sends`);
  }
  return out;
}

const fake = new FakeDaytona({ transitionMs: 100 });
const answers: Answer[] = [];
let restore = () => {};
let daytona: Daytona;

beforeAll(async () => {
  restore = recordAnswers(answers);
  await fake.start(24510);
  daytona = new Daytona({ apiKey: fake.apiKey, apiUrl: fake.apiUrl, target: 'us', useDeprecatedPolling: true });
});
afterAll(async () => {
  restore();
  await fake.stop();
});

const until = async (check: () => Promise<boolean>, ms = 5000) => {
  const deadline = Date.now() + ms;
  while (!(await check()) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
};

describe('the fake Daytona keeps to the published API and toolbox descriptions', () => {
  it('serves a sandbox through its whole life as the SDK uses it, as Daytona behaves', async () => {
    fake.onCommand = (command) => (command.includes('two streams') ? { output: 'l1\nl2\n', stderr: 'e1\n' } : defaultScript(command));
    const sandbox = await daytona.create({ language: 'typescript', labels: { contract: 'yes' }, envVars: { PORT: '3000' }, public: false, autoStopInterval: 30, autoDeleteInterval: 60 }, { timeout: 30 });
    for await (const listed of daytona.list({ labels: { contract: 'yes' }, limit: 100 })) expect(listed.id).toBe(sandbox.id);
    await daytona.get(sandbox.id);
    await sandbox.setLabels({ contract: 'yes', more: '1' });
    await sandbox.fs.uploadFiles([{ source: Buffer.from('hello'), destination: 'project/a.txt' }]);
    await sandbox.fs.downloadFiles([{ source: 'project/a.txt' }, { source: 'project/missing.txt' }]);
    // The provider's readFile (a sandbox's state archive): the same operation, streamed.
    const chunks: Buffer[] = [];
    for await (const chunk of await sandbox.fs.downloadFileStream('project/a.txt')) chunks.push(chunk as Buffer);
    expect(Buffer.concat(chunks).toString()).toBe('hello');
    await sandbox.fs.deleteFile('project/a.txt', true);
    await sandbox.process.executeCommand('echo hi');
    await sandbox.process.createSession('s1');
    const server = await sandbox.process.executeSessionCommand('s1', { command: 'npm run dev', runAsync: true });
    expect(await sandbox.process.getSessionCommand('s1', server.cmdId!)).not.toHaveProperty('exitCode');
    const run = await sandbox.process.executeSessionCommand('s1', { command: 'echo two streams', runAsync: true });
    let streamed = '';
    await sandbox.process.getSessionCommandLogs('s1', run.cmdId!, (c) => (streamed += c), (c) => (streamed += c));
    await until(async () => typeof (await sandbox.process.getSessionCommand('s1', run.cmdId!)).exitCode === 'number');
    // The daemon's log: every line behind its stream's marker, raw in `output`.
    expect(await sandbox.process.getSessionCommandLogs('s1', run.cmdId!)).toEqual({ output: '\x01\x01\x01l1\n\x01\x01\x01l2\n\x02\x02\x02e1\n', stdout: 'l1\nl2\n', stderr: 'e1\n' });
    expect(streamed).toBe('l1\nl2\ne1\n');
    await sandbox.process.getSessionCommand('s1', 'no-such-command').catch(() => {});
    await sandbox.process.deleteSession('s1');
    const link = await sandbox.getPreviewLink(3000);
    await fetch(link.url, { headers: { 'X-Daytona-Preview-Token': link.token, 'X-Daytona-Skip-Preview-Warning': 'true' } });
    await sandbox.stop();
    await expect(sandbox.process.executeCommand('ls')).rejects.toThrow('bad request: failed to resolve container IP after 3 attempts: no IP address found. Is the Sandbox started?');
    await sandbox.start();
    expect((await sandbox.getPreviewLink(3000)).token).not.toBe(link.token);
    await sandbox.delete();
    // Deleting is a desired state first; the sandbox is found until it is destroyed.
    expect((await daytona.get(sandbox.id)).desiredState).toBe('destroyed');
    await until(() => daytona.get(sandbox.id).then(() => false, () => true));
    await expect(daytona.get(sandbox.id)).rejects.toThrow(/not found/);
    // Session commands run with runAsync are accepted (202), not answered when done.
    expect(answers.filter((a) => a.method === 'POST' && a.path.endsWith('/exec')).map((a) => a.status)).toEqual([202, 202]);
    fake.onCommand = defaultScript;
  });

  it('refuses as Daytona does: a wrong key, a rate limit, a failure, an unknown sandbox', async () => {
    const wrong = new Daytona({ apiKey: 'dtn-wrong', apiUrl: fake.apiUrl, target: 'us', useDeprecatedPolling: true });
    await expect(wrong.get('anything')).rejects.toThrow();
    const sandbox = await daytona.create({ language: 'typescript', labels: { contract: 'faults' } }, { timeout: 30 });
    expect((await fetch(`${sandbox.toolboxProxyUrl}/${sandbox.id}/process/execute`, { method: 'POST', headers: { authorization: 'Bearer dtn-wrong', 'content-type': 'application/json' }, body: '{"command":"ls"}' })).status).toBe(401);
    fake.faults.rateLimited = 1;
    fake.faults.retryAfterSeconds = 3;
    await expect(daytona.get(sandbox.id)).rejects.toThrow();
    fake.faults.createFailures = 1;
    await expect(daytona.create({ language: 'typescript' }, { timeout: 10 })).rejects.toThrow();
    await expect(daytona.get('no-such-sandbox')).rejects.toThrow();
    await sandbox.delete();
  });

  it('refuses by state and quota as Daytona does: toolbox calls of stopped and archived sandboxes, quota, resources with a snapshot', async () => {
    const sandbox = await daytona.create({ language: 'typescript', labels: { contract: 'state' } }, { timeout: 30 });
    await sandbox.stop();
    fake.lifecycle.archive(fake.sandboxes.get(sandbox.id)!);
    await until(async () => fake.sandboxes.get(sandbox.id)!.state === 'archived');
    await sandbox.process.executeCommand('ls').catch(() => {});
    fake.lifecycle.quota.cpu = 0;
    await expect(sandbox.start(5)).rejects.toThrow(/Total CPU limit exceeded/);
    await expect(daytona.create({ language: 'typescript' }, { timeout: 10 })).rejects.toThrow(/Total CPU limit exceeded/);
    fake.lifecycle.quota.cpu = Infinity;
    // The SDK's types forbid it; Daytona's API refuses it too.
    const snapshotWithResources = { language: 'typescript', snapshot: 'base', resources: { cpu: 2 } } as unknown as CreateSandboxFromSnapshotParams;
    await expect(daytona.create(snapshotWithResources, { timeout: 10 })).rejects.toThrow(/Cannot specify Sandbox resources when using a snapshot/);
    const big = await daytona.create({ language: 'typescript', image: 'node:22-bookworm', resources: { cpu: 2, memory: 4, disk: 8 } }, { timeout: 30 });
    expect([big.cpu, big.memory, big.disk]).toEqual([2, 4, 8]);
    await sandbox.start(10);
    await Promise.all([sandbox.delete(), big.delete()]);
  });

  it('answers only with routes, methods, statuses and fields the descriptions have', () => {
    expect(answers.length).toBeGreaterThan(20);
    expect(answers.flatMap(violations)).toEqual([]);
  });

  it('reads only request fields and query parameters the descriptions define', () => {
    const described = (method: string, path: string) => {
      const found = operationFor(method, path);
      return found?.op && { ...found.op, request: found.op.request ? found.doc.schemas[found.op.request] : undefined };
    };
    expect(readsBeyond(fake.fieldReads, described)).toEqual([]);
  });

  it('serves each operation it claims at least once with success', () => {
    const served = new Set(answers.filter((a) => a.status < 300).map((a) => operationFor(a.method, a.path)?.op?.operationId));
    const claimed = [...contract.api.operations, ...contract.toolbox.operations].map((op) => op.operationId);
    expect(claimed.filter((id) => !served.has(id))).toEqual([]);
  });
});
