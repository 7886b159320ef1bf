import { execFileSync } from 'node:child_process';
import type { TestProject } from 'vitest/node';
import { ensureTestDeps } from '../../scripts/ensure-test-deps.mjs';

declare module 'vitest' {
  export interface ProvidedContext {
    chromePath: string;
  }
}

/** Once before the end-to-end tests: a browser to drive and a production build to serve. */
export default function setup(project: TestProject) {
  project.provide('chromePath', (ensureTestDeps as () => string)());
  if (process.env.E2E_REUSE_BUILD !== '1') {
    execFileSync('npx', ['remix', 'vite:build'], { stdio: ['ignore', 'ignore', 'inherit'], cwd: new URL('../..', import.meta.url).pathname, env: { ...process.env, NODE_ENV: 'production' } });
  }
}
