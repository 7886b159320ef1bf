// The fake Netlify and the Netlify client against Netlify's published API document
// (tests/fixtures/netlify/contract.json, from github.com/netlify/open-api swagger.yml, with what
// the document does not say under beyondSpec, each fact with its source). The client publishes
// through the fake in every way the product meets (first publish, update, refusals, faults); then:
//   - every answer the fake gave (recorded where Node writes it, not by the fake) is an operation
//     of the document, with a status it lists or beyondSpec names, and only fields its schemas
//     define, of their types; deploy states are the document's;
//   - every request the client sent is an operation of the document, with the content type it
//     consumes, only body fields and query parameters it defines, and the token as a Bearer header;
//   - `required` holds digests of the deploy's own `files`, and the client uploads exactly those.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NetlifyHost } from '~/lib/publish/netlify.server';
import type { PublishFile } from '~/lib/publish/publish-host.server';
import { FakeNetlify } from '../fakes/fake-netlify';
import { departures, readsBeyond, recordAnswers, type Answer, type ObjectSchema } from '../support/contract';

interface Operation {
  method: string;
  path: string;
  operationId: string;
  consumes: string[];
  statuses: number[];
  pathParams: string[];
  query: string[];
  request?: string | { type: string; format: string };
  responses: Record<string, string>;
}
interface Beyond {
  operations: '*' | string[];
  why: string;
  headers?: string[];
  bodies?: Record<string, unknown>;
}
const contract = JSON.parse(readFileSync(new URL('../fixtures/netlify/contract.json', import.meta.url), 'utf8')) as {
  basePath: string;
  operations: Operation[];
  schemas: Record<string, ObjectSchema>;
  deployStates: { enum: string[] };
  beyondSpec: { statuses: Record<string, Beyond> };
};

/** Served by the fake outside the API, each for a reason. */
const OUTSIDE = [{ pattern: /^\/sites\/[^/]+(\/|$)/, why: "stands in for a published site's own host (<name>.netlify.app)", statuses: [200, 301, 404] }];

const templateRegex = (path: string) => new RegExp(`^${contract.basePath}${path.replace('{path}', '.+').replace(/\{[^}]+\}/g, '[^/]+')}$`);

function operationFor(method: string, path: string): { op?: Operation; pathKnown: boolean } | undefined {
  if (!path.startsWith(`${contract.basePath}/`)) return undefined;
  const matching = contract.operations.filter((op) => templateRegex(op.path).test(path));
  return { op: matching.find((op) => op.method === method), pathKnown: matching.length > 0 };
}

const beyond = (status: number, op: Operation) => {
  const fact = contract.beyondSpec.statuses[String(status)];
  return fact && (fact.operations === '*' || fact.operations.includes(op.operationId)) ? fact : undefined;
};

/** What is wrong with one answer of the fake, by the document and beyondSpec. */
function violations(answer: Answer): string[] {
  const where = `${answer.method} ${answer.path} → ${answer.status}`;
  const outside = OUTSIDE.find((o) => o.pattern.test(answer.path));
  if (outside) return outside.statuses.includes(answer.status) ? [] : [`${where}: status not expected of ${outside.why}`];
  const found = operationFor(answer.method, answer.path);
  if (!found) return [`${where}: outside the API's base path`];
  const { op, pathKnown } = found;
  if (!op) return answer.status === 404 ? [] : [`${where}: ${pathKnown ? 'a method' : 'a route'} the document does not have`];
  const out: string[] = [];
  const fact = beyond(answer.status, op);
  if (!op.statuses.includes(answer.status) && !fact) out.push(`${where}: status neither documented for ${op.operationId} nor in beyondSpec`);
  const isJson = /json/.test(answer.headers['content-type'] ?? '');
  const json = isJson && answer.body.length ? (JSON.parse(answer.body.toString()) as unknown) : undefined;
  if (answer.status < 400) {
    const schema = op.responses[String(answer.status)];
    if (schema) out.push(...(json === undefined ? [`${where}: no JSON body, the schema is ${schema}`] : departures(json, contract.schemas[schema], contract.schemas, `${op.operationId}(${answer.status})`)));
    if (schema === 'deploy') {
      const state = (json as { state?: string }).state;
      if (!contract.deployStates.enum.includes(state ?? '')) out.push(`${where}: deploy state ${state} is not one the document names`);
    }
  } else if (fact?.bodies?.[op.operationId]) {
    if (JSON.stringify(json) !== JSON.stringify(fact.bodies[op.operationId])) out.push(`${where}: body ${answer.body.toString()} is not the one beyondSpec quotes`);
  } else if (answer.status === 401 && !isJson) {
    // beyondSpec 401: the real body may be text (netlify/cli issue #6736).
  } else {
    out.push(...departures(json, contract.schemas[op.responses.default], contract.schemas, `${op.operationId}(${answer.status}) error`));
  }
  if (answer.status === 429) {
    for (const header of contract.beyondSpec.statuses['429'].headers ?? []) if (!(header.toLowerCase() in answer.headers)) out.push(`${where}: a 429 without ${header}`);
  }
  return out;
}

const fake = new FakeNetlify({ transitionMs: 10 });
const answers: Answer[] = [];
let restore = () => {};
let host: NetlifyHost;
const text = (s: string) => new TextEncoder().encode(s);
/** Four files, two of the same content, marked with `salt` (Netlify holds contents by digest across sites). */
const siteFiles = (salt: string): PublishFile[] => [
  { path: 'index.html', content: text(`<h1>Contract ${salt}</h1>`) },
  { path: 'assets/app.js', content: text(`console.log("${salt}")`) },
  { path: 'assets/copy.js', content: text(`console.log("${salt}")`) },
  { path: 'docs/50% off/ü.txt', content: text(`unicode ${salt}`) },
];
const site = siteFiles('first');
const publish = (over: Partial<Parameters<NetlifyHost['publish']>[0]> = {}) => host.publish({ token: fake.token, siteName: 'contract-site', files: site, onProgress: () => {}, ...over });

beforeAll(async () => {
  restore = recordAnswers(answers);
  await fake.start(25040);
  host = new NetlifyHost({ apiUrl: fake.url, pollMs: 5, backoffMs: 5 });
});
afterAll(async () => {
  restore();
  await fake.stop();
});

describe('the fake Netlify and the client keep to the published API document', () => {
  it('publishes, updates and fails as the product meets Netlify', async () => {
    const first = await publish();
    await fetch(first.url);
    await fetch(`${first.url}missing`);
    await fetch(first.url.replace(/\/$/, ''));
    await publish({ siteId: first.siteId, files: [...site.slice(0, 3), { path: 'docs/50% off/ü.txt', content: text('changed') }] });
    await expect(publish()).rejects.toMatchObject({ kind: 'name-taken' });
    await expect(publish({ token: 'nfp_wrong', siteName: 'other' })).rejects.toMatchObject({ kind: 'token' });
    fake.faults.unauthorizedBody = 'text';
    await expect(publish({ token: 'nfp_wrong', siteName: 'other' })).rejects.toMatchObject({ kind: 'token' });
    fake.faults.unauthorizedBody = 'json';
    fake.faults.rateLimited = 1;
    fake.faults.rateLimitResetSeconds = 0;
    fake.faults.uploads.set(fake.uploadAttempts + 1, 'cut');
    fake.faults.uploads.set(fake.uploadAttempts + 2, 500);
    fake.faults.uploads.set(fake.uploadAttempts + 3, 429);
    await publish({ siteName: 'contract-faults', files: siteFiles('faults') });
    fake.faults.deployError = 'Failed to process files';
    await expect(publish({ siteName: 'contract-error', files: siteFiles('error') })).rejects.toMatchObject({ kind: 'host' });
    fake.deleteSite(first.siteId);
    await expect(publish({ siteId: first.siteId })).rejects.toMatchObject({ kind: 'not-found' });
    // Every refusal the client meets was answered (and so is checked below).
    const seen = (operationId: string) => answers.filter((a) => operationFor(a.method, a.path)?.op?.operationId === operationId).map((a) => a.status);
    expect(seen('createSite')).toEqual(expect.arrayContaining([201, 401, 422, 429]));
    expect(seen('createSiteDeploy')).toEqual(expect.arrayContaining([200, 404]));
    expect(seen('uploadDeployFile')).toEqual(expect.arrayContaining([200, 429, 500]));
    expect(fake.deploys.size).toBeGreaterThan(3);
  });

  it('answers only with routes, methods, statuses and fields the document (or beyondSpec) has', () => {
    expect(answers.length).toBeGreaterThan(20);
    expect(answers.flatMap(violations)).toEqual([]);
  });

  it('is sent only operations, content types, body fields and query parameters the document defines, with the token as a Bearer header', () => {
    const out: string[] = [];
    for (const request of fake.requests) {
      const where = `${request.method} ${request.path}`;
      const op = operationFor(request.method, request.path)?.op;
      if (!op) {
        out.push(`${where}: not an operation of the document`);
        continue;
      }
      if (!/^Bearer \S+$/.test(request.authorization ?? '')) out.push(`${where}: no Bearer token`);
      for (const name of request.query) if (!op.query.includes(name)) out.push(`${op.operationId}: query parameter ${name}`);
      if (!request.body.length) continue;
      const type = request.contentType?.split(';')[0];
      if (!type || !op.consumes.includes(type)) out.push(`${op.operationId}: content type ${type}, the document consumes ${op.consumes.join(', ')}`);
      if (typeof op.request === 'string') {
        const fields = Object.keys(JSON.parse(request.body.toString()) as object);
        for (const field of fields) if (!(field in contract.schemas[op.request].properties)) out.push(`${op.operationId}: body field ${field}`);
      }
    }
    expect(out).toEqual([]);
  });

  it('reads only request fields and query parameters the document defines', () => {
    const described = (method: string, path: string) => {
      const op = operationFor(method, path)?.op;
      return op && { ...op, request: typeof op.request === 'string' ? contract.schemas[op.request] : undefined };
    };
    expect(readsBeyond(fake.fieldReads, described)).toEqual([]);
  });

  it('lists in `required` digests of the deploy\'s own files, and the client uploads each of them once, with a path having it', () => {
    expect(fake.deploys.size).toBeGreaterThan(3);
    for (const deploy of fake.deploys.values()) {
      const digests = new Set(deploy.files.values());
      expect(deploy.required.every((sha) => /^[0-9a-f]{40}$/.test(sha) && digests.has(sha))).toBe(true);
      if (deploy.state !== 'ready') continue;
      const uploads = fake.uploads.filter((u) => u.deployId === deploy.id);
      expect(uploads.every((u) => deploy.files.get(u.path) === u.sha)).toBe(true);
      expect(uploads.map((u) => u.sha).sort()).toEqual([...deploy.required].sort());
    }
  });

  it('serves each operation it claims at least once with success', () => {
    const served = new Set(answers.filter((a) => a.status < 300).map((a) => operationFor(a.method, a.path)?.op?.operationId));
    expect(contract.operations.map((op) => op.operationId).filter((id) => !served.has(id))).toEqual([]);
  });
});
