import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { afterAll, beforeAll } from 'vitest';
import { FakeRegistry, recordedManifest } from '../../../tests/fakes/fake-registry';
import { parseAnswer } from '../artifact/artifact-parser';
import { judgeManifest, type PackageManifest, type PackageVerdict } from './package-facts';
import { routeInputFromEvents } from './route-input';
import { parsePackageSpec } from './registry-lookup.server';
import { classify, dependenciesToLookUp } from './router';

const DIR = new URL('../../../tests/fixtures/routing/', import.meta.url);
const cases = JSON.parse(readFileSync(new URL('cases.json', DIR), 'utf8')) as Array<{ file: string; prompt: string; target: 'browser' | 'cloud'; reason: string }>;

/** The route input of a labelled answer, with registry facts from manifests recorded from the real registry. */
function inputOf(file: string) {
  const input = routeInputFromEvents(parseAnswer(readFileSync(new URL(file, DIR), 'utf8'), 16).events);
  const packages: Record<string, PackageVerdict> = {};
  // (These answers' dependencies have one recorded version each, the one their ranges ask for.)
  for (const spec of dependenciesToLookUp(input.files['package.json'])) {
    const { name } = parsePackageSpec(spec);
    const manifest = recordedManifest(name);
    if (manifest) packages[name] = judgeManifest(manifest as unknown as PackageManifest);
  }
  return { ...input, packages };
}

describe('classify: labelled model answers', () => {
  it('has at least 70 labelled answers, both ways, 30 of them with packages on no list', () => {
    expect(cases.length).toBeGreaterThanOrEqual(70);
    expect(cases.filter((c) => c.target === 'browser').length).toBeGreaterThanOrEqual(25);
    expect(cases.filter((c) => c.target === 'cloud').length).toBeGreaterThanOrEqual(40);
    expect(cases.filter((c) => /^[nt]\d/.test(c.file)).length).toBeGreaterThanOrEqual(30);
  });

  it.each(cases)('$file → $target ($reason)', ({ file, prompt, target, reason }) => {
    const decision = classify({ prompt, ...inputOf(file) });
    expect(decision.target).toBe(target);
    expect(decision.reasons.join(' | ')).toContain(reason);
  });

  it('decides from the registry facts, not from a list: without them the unlisted native packages stay in the browser', () => {
    const unlisted = cases.filter((c) => c.file.startsWith('n') && !/downloads and runs/.test(c.reason));
    expect(unlisted.length).toBeGreaterThanOrEqual(15);
    for (const { file, prompt } of unlisted) {
      expect(classify({ prompt, ...inputOf(file), packages: {} }).target, file).toBe('browser');
    }
  });
});

describe('classify: rules', () => {
  it("lets the user's explicit choice win", () => {
    const files = { 'app.py': 'print(1)' };
    expect(classify({ files, userChoice: 'browser' })).toMatchObject({ target: 'browser', hard: true });
    expect(classify({ files: { 'index.html': '' }, userChoice: 'cloud' })).toMatchObject({ target: 'cloud', reasons: ['you chose to run it in a cloud sandbox'] });
  });

  it('ignores a package.json that is still streaming', () => {
    expect(classify({ files: { 'package.json': '{ "dependencies": { "bcr' } }).target).toBe('browser');
    expect(classify({ files: { 'package.json': '{ "dependencies": { "bcrypt": "5" } }' } }).target).toBe('cloud');
  });

  it('reads commands chained with && and prefixed with sudo', () => {
    expect(classify({ commands: ['cd api && sudo pip3 install flask'] }).reasons[0]).toMatch(/^needs Python: `sudo pip3 install flask`/);
    expect(classify({ commands: ['npm install && npm run build'] }).target).toBe('browser');
  });

  it('sends a project to the cloud when the browser cannot run it', () => {
    expect(classify({ browser: { crossOriginIsolated: false } }).reasons[0]).toMatch(/not cross-origin isolated/);
    expect(classify({ browser: { bootError: 'offline' } })).toMatchObject({ target: 'cloud', reasons: ['the in-browser runtime could not start: offline'] });
  });

  it('weighs the prompt before any file exists, and HTTP services keep it in the browser', () => {
    expect(classify({ prompt: 'Build a Flask app' }).target).toBe('cloud');
    expect(classify({ prompt: 'A todo list with Postgres via Supabase' }).target).toBe('browser');
    expect(classify({ prompt: 'A todo list' })).toMatchObject({ target: 'browser', reasons: ['a light app runs in the browser'] });
  });

});

describe('npm run route', () => {
  const root = new URL('../../../', import.meta.url).pathname;
  const registry = new FakeRegistry();
  let registryUrl = '';
  beforeAll(async () => {
    registryUrl = await registry.start();
  });
  afterAll(() => registry.stop());
  // Asynchronously: the fake registry answers from this process.
  const route = (args: string[]) => promisify(execFile)('npm', ['run', '-s', 'route', '--', ...args], { cwd: root, encoding: 'utf8', env: { ...process.env, NPM_REGISTRY_URL: registryUrl } });

  it('prints the decision from the lists', async () => {
    const out = await route(['tests/fixtures/routing/c04-better-sqlite3.txt', '--prompt', 'notes with sqlite']);
    expect(JSON.parse(out.stdout)).toEqual({ target: 'cloud', reasons: ['better-sqlite3 is a native addon, which the browser runtime cannot load'] });
  });

  it('judges unlisted packages from the registry, as the app does', async () => {
    const out = await route(['tests/fixtures/routing/n01-zeromq.txt']);
    expect(JSON.parse(out.stdout)).toEqual({ target: 'cloud', reasons: ['zeromq compiles a native addon when it installs'] });
    expect(registry.requests).toContain('/zeromq');
    expect(JSON.parse((await route(['tests/fixtures/routing/n01-zeromq.txt', '--offline'])).stdout).target).toBe('browser');
  });

  it('falls back to the lists when the registry stalls, within its time limit', async () => {
    registry.delayMs = Infinity;
    const began = Date.now();
    const out = await route(['tests/fixtures/routing/n01-zeromq.txt']);
    registry.delayMs = 0;
    expect(JSON.parse(out.stdout).target).toBe('browser');
    expect(Date.now() - began).toBeLessThan(15_000);
  });
});
