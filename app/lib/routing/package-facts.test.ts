import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { isValidPackageName, judgeManifest, type PackageManifest } from './package-facts';

const DIR = new URL('../../../tests/fixtures/registry/', import.meta.url);
const manifests = Object.fromEntries(
  readdirSync(DIR).map((file) => {
    const manifest = JSON.parse(readFileSync(new URL(file, DIR), 'utf8')) as PackageManifest;
    // typescript.json is its latest, typescript@5.8.3.json an older version.
    return [file.replace(/\.json$/, '').replace('__', '/'), manifest];
  }),
);
const judge = (name: string) => judgeManifest(manifests[name]).needsServer;

describe('judgeManifest: manifests recorded from the npm registry', () => {
  it.each([
    ['zeromq', /zeromq compiles a native addon when it installs/],
    ['classic-level', /classic-level compiles a native addon/],
    ['canvas', /canvas compiles a native addon/],
    ['node-pty', /node-pty compiles a native addon/],
    ['bufferutil', /bufferutil compiles a native addon/],
    ['better-sqlite3', /better-sqlite3 loads a native addon \(it depends on node-addon-api\)/],
    ['deasync', /deasync loads a native addon/],
    ['onnxruntime-node', /onnxruntime-node downloads a prebuilt native binary/],
    ['@napi-rs/canvas', /@napi-rs\/canvas ships a native binary per platform/],
    ['sass-embedded', /sass-embedded ships a native binary per platform/],
    ['turbo', /turbo ships a native binary per platform/],
    ['usb', /usb ships a native binary per platform/],
    ['@esbuild/linux-x64', null],
    ['puppeteer', /puppeteer runs an install script \(`node install.mjs`\)/],
    ['cypress', /cypress runs an install script/],
    ['chromedriver', /chromedriver runs an install script/],
    ['prisma', /prisma runs an install script/],
    ['typescript', /typescript ships a native binary per platform \(@typescript\/typescript-win32-x64, …\)/],
    ['typescript@5.8.3', null],
  ])('%s needs a server', (name, reason) => {
    if (reason) expect(judge(name)).toMatch(reason);
    else expect(judge(name)).toBeNull();
  });

  it.each(['esbuild', 'rollup', '@swc/core', 'lightningcss', '@tailwindcss/oxide', '@parcel/watcher', 'next', 'vite', '@rollup/rollup-linux-x64-gnu'])(
    'keeps the toolchain package %s in the browser although its manifest shows native binaries',
    (name) => expect(judge(name)).toBeNull(),
  );

  it.each(['core-js', 'sass', 'react', 'express', 'ws', 'protobufjs', 'msw', 'husky', 'nodemon'])('keeps the pure JavaScript package %s in the browser', (name) => {
    expect(judge(name)).toBeNull();
  });

  it('reads install facts from the fields themselves, whatever the name', () => {
    expect(judgeManifest({ name: 'x', gypfile: true }).needsServer).toMatch(/compiles a native addon/);
    expect(judgeManifest({ name: 'x', scripts: { install: 'prebuild-install || node-gyp rebuild' } }).needsServer).toMatch(/compiles/);
    expect(judgeManifest({ name: 'x', dependencies: { 'node-gyp-build': '^4' } }).needsServer).toMatch(/depends on node-gyp-build/);
    expect(judgeManifest({ name: 'x', binary: { module_name: 'x' } }).needsServer).toMatch(/prebuilt native binary/);
    expect(judgeManifest({ name: 'x', optionalDependencies: { '@x/x-linux-x64-gnu': '1', '@x/x-wasm32-wasi': '1' } }).needsServer).toBeNull();
    expect(judgeManifest({ name: 'x', os: ['darwin'] }).needsServer).toMatch(/only on some platforms \(darwin\)/);
    expect(judgeManifest({ name: 'x', hasInstallScript: true }).needsServer).toMatch(/install script/);
    expect(judgeManifest({ name: 'x', scripts: { postinstall: 'echo thanks' } }).needsServer).toBeNull();
  });

  it('accepts only npm package names', () => {
    expect(['react', '@scope/pkg', 'lodash.merge', 'a-b_c~d'].every(isValidPackageName)).toBe(true);
    expect(['../etc', 'a/b', '@s/../x', 'UPPER', '', 'http://x', '@scope/', 'x'.repeat(215)].some(isValidPackageName)).toBe(false);
  });
});
