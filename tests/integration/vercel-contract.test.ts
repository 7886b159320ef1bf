// The fake Vercel and the Vercel client against Vercel's published OpenAPI description
// (tests/fixtures/vercel/contract.json, from github.com/vercel/sdk's copy of https://openapi.vercel.sh/)
// and what the description leaves out (its `beyond`, each fact with its source). Both sides are held
// to it, not to each other: every answer the fake writes (recorded where Node writes it) must be an
// operation the description has, with a status it lists or `beyond` sources, and a body of the
// documented fields and types; every request the client sends must use only documented parameters,
// headers and body fields.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PublishError, type PublishFile } from '~/lib/publish/publish-host.server';
import { VercelHost } from '~/lib/publish/vercel.server';
import { FakeVercel, type Operation } from '../fakes/fake-vercel';
import { departures, readsBeyond, recordAnswers, type Answer, type Schema } from '../support/contract';

interface ContractOperation {
  method: string;
  path: string;
  operationId: Operation;
  statuses: number[];
  query: string[];
  headers: string[];
  /** The JSON body's schema, or the content type of a body that is not JSON. */
  request?: Schema & { contentType?: string };
  response: Schema;
}
interface Beyond {
  errorBody: { schema: Schema };
  statuses: Array<{ operations: '*' | Operation[]; status: number; code: string; fields?: string[]; headers?: string[] }>;
}
const contract = JSON.parse(readFileSync(new URL('../fixtures/vercel/contract.json', import.meta.url), 'utf8')) as { operations: ContractOperation[]; beyond: Beyond };

/** Headers any HTTP client sends, outside what an API description lists. */
const TRANSPORT_HEADERS = new Set(['host', 'connection', 'content-type', 'content-length', 'accept', 'accept-language', 'accept-encoding', 'sec-fetch-mode', 'user-agent', 'authorization', 'transfer-encoding']);

const templateRegex = (path: string) => new RegExp(`^${path.replace(/\{[^}]+\}/g, '[^/]+')}$`);
const operationFor = (method: string, path: string) => contract.operations.find((op) => op.method === method && templateRegex(op.path).test(path));

/** A status `beyond` sources for this operation (and, when given, this error code). */
const beyondStatus = (operation: Operation, status: number, code?: string) =>
  contract.beyond.statuses.find((s) => s.status === status && (s.operations === '*' || s.operations.includes(operation)) && (code === undefined || s.code === code));

/** What is wrong with one answer of the fake, by the description and `beyond`. */
function violations(answer: Answer): string[] {
  const where = `${answer.method} ${answer.path} → ${answer.status}`;
  // A published site, by Host: the deployments' own and production hosts, not the API.
  if (/\.vercel\.(app|localhost)(:\d+)?$/.test(answer.host)) return [200, 404].includes(answer.status) ? [] : [`${where}: a site answered neither 200 nor 404`];
  const op = operationFor(answer.method, answer.path);
  // Answering 404 to a path the fake does not serve is not serving it.
  if (!op) return answer.status === 404 ? [] : [`${where}: a route the description does not have`];
  const json = answer.body.length ? (JSON.parse(answer.body.toString()) as { error?: { code?: string } }) : undefined;
  if (!/json/.test(answer.headers['content-type'] ?? '')) return [`${where}: not JSON`];
  if (answer.status === 200) return departures(json, op.response, {}, `${op.operationId}(200)`);
  const out = departures(json, contract.beyond.errorBody.schema, {}, `${op.operationId}(${answer.status}) error body`);
  const code = json?.error?.code;
  const sourced = beyondStatus(op.operationId, answer.status, code);
  if (!op.statuses.includes(answer.status) && !beyondStatus(op.operationId, answer.status)) out.push(`${where}: status neither in the description nor sourced in beyond`);
  // A code beyond names for this status must be the one it names (missing_files, not something else).
  const named = contract.beyond.statuses.filter((s) => s.status === answer.status && (s.operations === '*' || s.operations.includes(op.operationId)));
  if (!op.statuses.includes(answer.status) && named.length && !sourced) out.push(`${where}: code ${code} is not the one beyond sources (${named.map((s) => s.code).join(', ')})`);
  for (const field of sourced?.fields ?? []) if (!(json?.error && field in json.error)) out.push(`${where}: error.${field} missing`);
  for (const header of sourced?.headers ?? []) if (!(header in answer.headers)) out.push(`${where}: header ${header} missing`);
  return out;
}

const fake = new FakeVercel({ transitionMs: 20 });
const answers: Answer[] = [];
let restore = () => {};
const host = new VercelHost({ apiUrl: `http://127.0.0.1:25110`, pollMs: 10, retryDelayMs: 5 });
const text = (s: string) => new TextEncoder().encode(s);
const files = (v: string): PublishFile[] => [
  { path: 'index.html', content: text(`<h1>${v}</h1>`) },
  { path: 'about/index.html', content: text(`<h1>about ${v}</h1>`) },
  { path: 'logo.svg', content: text('<svg xmlns="http://www.w3.org/2000/svg"/>') },
];
const publish = (siteName: string, more: { token?: string; siteId?: string; files?: PublishFile[] } = {}) =>
  host.publish({ token: more.token ?? fake.token, siteName, siteId: more.siteId, files: more.files ?? files(siteName), onProgress: () => {} });
/** A request the client never sends, to see the fake answer it (marked so the client's requests can be told apart). */
const PROBE = 'contract-probe';
const raw = (path: string, init: RequestInit & { headers?: Record<string, string> } = {}) => fetch(`${fake.apiUrl}${path}`, { ...init, headers: { ...init.headers, 'user-agent': PROBE } });

beforeAll(async () => {
  restore = recordAnswers(answers);
  await fake.start(25110);
});
afterAll(async () => {
  restore();
  await fake.stop();
});

describe('the fake Vercel and the Vercel client keep to the published API description', () => {
  it('serves a project through publishes, as the client drives it', async () => {
    const first = await publish('contract-site');
    const second = await publish('contract-site', { siteId: first.siteId, files: [...files('contract-site').slice(1), { path: 'index.html', content: text('<h1>changed</h1>') }] });
    expect(second).toMatchObject({ siteId: first.siteId, uploaded: 1, reused: 2 });
    expect((await fake.fetchSite(second.url, '/about/')).body).toBe('<h1>about contract-site</h1>');
    expect((await fake.fetchSite(second.url, '/nothing-here')).status).toBe(404);
    fake.createProject('contract-empty');
    await publish('contract-empty');
    const other = fake.addAccount('contract-other');
    await publish('contract-site', { token: other });
  });

  it('refuses and fails as Vercel does', async () => {
    const refused = (work: Promise<unknown>) => work.then(() => undefined, (e: unknown) => (e as PublishError).kind);
    expect(await refused(publish('contract-bad-token', { token: 'vc_not_a_token_at_all_0000' }))).toBe('token');
    expect(await refused(publish('contract-site'))).toBe('name-taken');
    expect(await refused(publish('contract-site', { siteId: 'prj_nothere' }))).toBe('not-found');
    fake.faults.rateLimited = { count: 1, retryAfter: 600 };
    expect(await refused(publish('contract-limited'))).toBe('rate-limited');
    fake.faults.once = [{ operation: 'uploadFile', status: 500 }, { operation: 'getDeployment', status: 429, retryAfter: 1 }];
    fake.faults.cutUploads = [fake.requests.filter((r) => r.operation === 'uploadFile').length + 2];
    await publish('contract-flaky');
    fake.faults.buildError = { code: 'BUILD_FAILED', message: 'failed' };
    expect(await refused(publish('contract-error'))).toBe('host');
    // What the client never sends, answered as Vercel answers it.
    const auth = { authorization: `Bearer ${fake.token}` };
    const upload = (digest: string, body: string, length = String(body.length)) => raw('/v2/files', { method: 'POST', headers: { ...auth, 'content-type': 'application/octet-stream', 'content-length': length, 'x-vercel-digest': digest }, body });
    expect((await upload('0'.repeat(40), 'not that')).status).toBe(400);
    expect((await upload('bad', 'x')).status).toBe(400);
    expect((await raw('/v9/projects/contract-site')).status).toBe(403);
    expect((await raw('/v13/deployments/dpl_nothere', { headers: auth })).status).toBe(404);
    const json = { ...auth, 'content-type': 'application/json' };
    expect((await raw('/v11/projects', { method: 'POST', headers: json, body: JSON.stringify({ name: 'Not Valid' }) })).status).toBe(400);
    const missing = await raw('/v13/deployments', { method: 'POST', headers: json, body: JSON.stringify({ name: 'contract-new', files: [{ file: 'a', sha: '1'.repeat(40), size: 1 }], projectSettings: { framework: null } }) });
    expect(await missing.json()).toEqual({ error: { code: 'missing_files', message: 'Missing files', missing: ['1'.repeat(40)] } });
    const unset = await raw('/v13/deployments', { method: 'POST', headers: json, body: JSON.stringify({ name: 'contract-unset', files: [] }) });
    expect(((await unset.json()) as { error: { code: string } }).error.code).toBe('missing_project_settings');
  });

  it('answers only with routes, statuses and fields the description has, or beyond sources', () => {
    expect(answers.length).toBeGreaterThan(40);
    expect(answers.flatMap(violations)).toEqual([]);
    // Each status beyond sources was answered at least once (so each is checked above).
    const api = answers.filter((a) => /json/.test(a.headers['content-type'] ?? ''));
    const answered = new Set(api.map((a) => `${a.status} ${(JSON.parse(a.body.toString() || '{}') as { error?: { code?: string } }).error?.code ?? ''}`));
    expect(contract.beyond.statuses.map((s) => `${s.status} ${s.code}`).filter((s) => !answered.has(s))).toEqual([]);
  });

  it("sends, from the client, only the description's parameters, headers and body fields", () => {
    const out: string[] = [];
    const sent = fake.requests.filter((r) => r.headers['user-agent'] !== PROBE && r.operation);
    for (const r of sent) {
      const op = contract.operations.find((o) => o.operationId === r.operation)!;
      for (const name of r.query) if (!op.query.includes(name)) out.push(`${op.operationId}: query parameter ${name}`);
      for (const name of Object.keys(r.headers)) if (!TRANSPORT_HEADERS.has(name) && !op.headers.includes(name)) out.push(`${op.operationId}: header ${name}`);
      if (op.request?.contentType) {
        if (r.headers['content-type'] !== op.request.contentType) out.push(`${op.operationId}: content-type ${r.headers['content-type']}`);
      } else if (op.request) out.push(...departures(r.json, op.request, {}, `${op.operationId} request`));
      else if (r.bytes) out.push(`${op.operationId}: a body, the description has none`);
    }
    expect(sent.length).toBeGreaterThan(20);
    expect(out).toEqual([]);
    // The upload names its digest the way the description does, and its size.
    for (const r of sent.filter((x) => x.operation === 'uploadFile' && !x.cut)) expect(r.headers).toMatchObject({ 'x-vercel-digest': expect.stringMatching(/^[0-9a-f]{40}$/), 'content-length': String(r.bytes) });
  });

  it('reads, in the fake, only request fields and parameters the description defines', () => {
    expect(readsBeyond(fake.fieldReads, operationFor)).toEqual([]);
  });

  it('serves each operation it claims at least once with success', () => {
    const served = new Set(answers.filter((a) => a.status === 200).map((a) => operationFor(a.method, a.path)?.operationId));
    expect(contract.operations.map((op) => op.operationId).filter((id) => !served.has(id))).toEqual([]);
  });
});
