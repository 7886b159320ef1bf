import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseAnswer } from '../artifact/artifact-parser';
import { routeInputFromEvents } from './route-input';
import { classify } from './router';

const DIR = new URL('../../../tests/fixtures/routing/', import.meta.url);
const cases = JSON.parse(readFileSync(new URL('cases.json', DIR), 'utf8')) as Array<{ file: string; prompt: string; target: 'browser' | 'cloud'; reason: string }>;

describe('classify: labelled model answers', () => {
  it('has at least 40 labelled answers, both ways', () => {
    expect(cases.length).toBeGreaterThanOrEqual(40);
    expect(cases.filter((c) => c.target === 'browser').length).toBeGreaterThanOrEqual(15);
    expect(cases.filter((c) => c.target === 'cloud').length).toBeGreaterThanOrEqual(20);
  });

  it.each(cases)('$file → $target ($reason)', ({ file, prompt, target, reason }) => {
    const answer = readFileSync(new URL(file, DIR), 'utf8');
    const decision = classify({ prompt, ...routeInputFromEvents(parseAnswer(answer, 16).events) });
    expect(decision.target).toBe(target);
    expect(decision.reasons.join(' | ')).toContain(reason);
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

  it('prints the decision from the CLI', () => {
    const root = new URL('../../../', import.meta.url).pathname;
    const out = spawnSync('npm', ['run', '-s', 'route', '--', 'tests/fixtures/routing/c04-better-sqlite3.txt', '--prompt', 'notes with sqlite'], { cwd: root, encoding: 'utf8' });
    expect(out.status).toBe(0);
    expect(JSON.parse(out.stdout)).toEqual({ target: 'cloud', reasons: ['better-sqlite3 is a native addon, which the browser runtime cannot load'] });
  });
});
