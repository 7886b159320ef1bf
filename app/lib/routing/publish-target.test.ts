import { describe, expect, it } from 'vitest';
import { publishPlan } from './publish-target';

const pkg = (value: object) => JSON.stringify(value);

describe('where a project is published by default', () => {
  it('sends a site whose build makes static files to a static host, with its build and the folders to look in', () => {
    expect(publishPlan({ 'package.json': pkg({ scripts: { dev: 'vite', build: 'vite build' }, devDependencies: { vite: '^5' } }), 'index.html': '' })).toEqual({
      target: 'static',
      reason: 'its build (`vite build`) makes static files',
      build: 'npm run build',
      dirs: ['dist', 'build', 'out'],
    });
  });

  it('publishes a plain page as it is', () => {
    expect(publishPlan({ 'index.html': '<h1>hi</h1>', 'style.css': '' })).toMatchObject({ target: 'static', dirs: ['.'], reason: 'it is a plain page: its files are the site' });
  });

  it('sends apps with a server of their own to a sandbox, naming what gave it away', () => {
    expect(publishPlan({ 'package.json': pkg({ scripts: { start: 'node server.js', build: 'tsc' }, dependencies: { express: '^4' } }) })).toMatchObject({ target: 'sandbox', reason: 'it has a server of its own (express)' });
    expect(publishPlan({ 'app.py': 'from flask import Flask', 'index.html': '' })).toMatchObject({ target: 'sandbox', reason: 'it runs a Python server (app.py)' });
    expect(publishPlan({ 'package.json': pkg({ scripts: { start: 'node index.js' } }) })).toMatchObject({ target: 'sandbox', reason: 'it starts a server (`node index.js`)' });
  });

  it('does not take a dev server for a server of the app’s own', () => {
    expect(publishPlan({ 'package.json': pkg({ scripts: { start: 'vite' } }), 'index.html': '' })).toMatchObject({ target: 'static', dirs: ['.'] });
  });
});
