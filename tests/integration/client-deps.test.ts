import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = new URL('../..', import.meta.url).pathname;

/** The app's files that can reach the browser: not server modules, tests, or API routes (they have no UI). */
function clientFiles(dir = join(ROOT, 'app')): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return clientFiles(path);
    if (!/\.(ts|tsx)$/.test(entry.name) || /\.server\.|\.test\./.test(entry.name) || /^api\./.test(entry.name)) return [];
    return [path];
  });
}

/** Packages imported by value (statically or with import()), not relative paths, aliases or node: modules. */
function bareImports(source: string): string[] {
  const found = [
    ...[...source.matchAll(/(?:^|\n)\s*import\s+(?!type\s)[^;]*?\sfrom\s+'([^']+)'/g)].map((m) => m[1]),
    ...[...source.matchAll(/(?:^|\n)\s*import\s+'([^']+)'/g)].map((m) => m[1]),
    ...[...source.matchAll(/\bimport\(\s*'([^']+)'\s*\)/g)].map((m) => m[1]),
  ];
  return found.filter((name) => !/^(\.|~|node:|@remix-run\/)/.test(name) && !name.endsWith('.css'));
}

describe('the dev server knows every dependency the browser loads', () => {
  it('lists each one in optimizeDeps.include, so `npm run dev` never discovers one mid-session and reloads the page', () => {
    const config = readFileSync(join(ROOT, 'vite.config.ts'), 'utf8');
    const include = config.slice(config.indexOf('include: ['), config.indexOf('],', config.indexOf('include: [')));
    const listed = new Set([...include.matchAll(/'([^']+)'/g)].map((m) => m[1]));
    const missing = clientFiles().flatMap((file) => bareImports(readFileSync(file, 'utf8')).filter((name) => !listed.has(name)).map((name) => `${name} (${relative(ROOT, file)})`));
    expect(missing).toEqual([]);
  });
});
