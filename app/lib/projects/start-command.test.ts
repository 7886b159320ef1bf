import { describe, expect, it } from 'vitest';
import { StreamingArtifactParser } from '../artifact/artifact-parser';
import { startArtifact, startPlanFor } from './start-command';

describe('startPlanFor', () => {
  it("prefers package.json's dev script, then start, then a main file", () => {
    expect(startPlanFor({ 'package.json': '{"scripts":{"dev":"vite","start":"node x"}}' })).toEqual({ install: 'npm install', start: 'npm run dev', from: "package.json's dev script" });
    expect(startPlanFor({ 'package.json': '{"scripts":{"start":"node server.js"}}' })).toMatchObject({ start: 'npm start' });
    expect(startPlanFor({ 'package.json': '{"main":"./src/app.js"}', 'src/app.js': '' })).toMatchObject({ start: 'node src/app.js', from: 'src/app.js' });
    expect(startPlanFor({ 'package.json': '{}', 'server.js': '' })).toMatchObject({ start: 'node server.js' });
  });

  it('starts a Python entry point, installing its requirements', () => {
    expect(startPlanFor({ 'main.py': '', 'requirements.txt': 'flask\n' })).toEqual({ install: 'pip install -r requirements.txt', start: 'python3 main.py', from: 'main.py' });
    expect(startPlanFor({ 'app.py': '' })).toEqual({ start: 'python3 app.py', from: 'app.py' });
  });

  it('says nothing when nothing says how (a README, a broken manifest with no entry file)', () => {
    expect(startPlanFor({ 'README.md': '# x' })).toBeNull();
    expect(startPlanFor({ 'package.json': '{not json' })).toBeNull();
    expect(startPlanFor({ 'package.json': '{"main":"../../etc/passwd.js"}' })).toBeNull();
  });

  it('makes an artifact the parser reads as install then start, with no file actions', () => {
    const parser = new StreamingArtifactParser();
    const events = [...parser.push(startArtifact('import', { install: 'npm install', start: 'npm run dev', from: 'x' })), ...parser.end()];
    const actions = events.flatMap((e) => (e.type === 'action-close' && e.complete && e.action ? [e.action] : []));
    expect(actions).toEqual([{ type: 'shell', command: 'npm install' }, { type: 'start', command: 'npm run dev' }]);
  });
});
