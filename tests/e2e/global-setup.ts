import { execFileSync } from 'node:child_process';
import type { TestProject } from 'vitest/node';
import { ensureTestDeps } from '../../scripts/ensure-test-deps.mjs';
import { sharedNpmCacheDir, unmountUnder } from '../support/app-server';
import { SENTINELS } from '../support/sentinels';

declare module 'vitest' {
  export interface ProvidedContext {
    chromePath: string;
  }
}

/**
 * Once before the end-to-end tests: a browser to drive and a production build to serve. The
 * build is made with the secrets' stand-ins in its environment, so the secrets test can prove
 * that none of them ends up in the client bundle.
 */
export default function setup(project: TestProject) {
  project.provide('chromePath', (ensureTestDeps as () => string)());
  if (process.env.E2E_REUSE_BUILD !== '1') {
    execFileSync('npx', ['remix', 'vite:build'], { stdio: ['ignore', 'ignore', 'inherit'], cwd: new URL('../..', import.meta.url).pathname, env: { ...process.env, ...SENTINELS, NODE_ENV: 'production' } });
  }
  // After the run: session caches that killed test servers left mounted.
  return () => unmountUnder(sharedNpmCacheDir());
}
