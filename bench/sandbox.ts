// npm run bench:sandbox — what isolation costs a Local sandbox. For each setup, in the same run:
// create → first command, then `npm install` of a Vite + React app with a fresh npm cache (cold)
// and again in a second sandbox with that cache (warm). Setups: no isolation at all (plain child
// processes); bubblewrap (own user namespace as an unprivileged host user when run as root, no
// capabilities, cgroup limits) on the host's network; and the product's isolation, the same with
// an own network namespace per sandbox (slirp4netns), size-limited disk volumes and the shared npm
// cache the server fills after an install: there, a third install is a NEW session's first, once
// the server has taken in the first session's install (the fill's time is printed too). Medians of RUNS runs.
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalProvider } from '../app/lib/sandbox/local/local-provider.server';

const RUNS = Number(process.env.RUNS ?? 3);
const PACKAGE = JSON.stringify({
  name: 'vite-react-bench',
  private: true,
  type: 'module',
  scripts: { dev: 'vite' },
  dependencies: { react: '^18.3.1', 'react-dom': '^18.3.1' },
  devDependencies: { vite: '^5.4.0', '@vitejs/plugin-react': '^4.3.1' },
});
const INSTALL = 'npm install --no-audit --no-fund --loglevel=error';

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const seconds = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

type Setup = 'none' | 'bwrap' | 'bwrap+net';

async function measure(setup: Setup) {
  const dataDir = mkdtempSync(join(tmpdir(), 'appforge-bench-sandbox-'));
  chmodSync(dataDir, 0o711);
  const provider = new LocalProvider({ dataDir, portBase: 23000, commandTimeoutMs: 600_000, maxOutputBytes: 1_000_000, memoryMb: 4096, useBwrap: setup !== 'none', isolateNetwork: setup === 'bwrap+net', diskMb: setup === 'bwrap+net' ? 4096 : 0, sharedNpmCacheMb: setup === 'bwrap+net' ? 4096 : 0, passEnv: { npm_config_registry: process.env.npm_config_registry || 'https://registry.npmjs.org' }, log: (line) => console.error(line) });
  const timed = async (work: () => Promise<unknown>) => {
    const began = performance.now();
    await work();
    return performance.now() - began;
  };
  try {
    let firstCommand = 0;
    const install = async (owner: string) => {
      let id = '';
      firstCommand = await timed(async () => {
        id = (await provider.create({ app: 'appforge', owner: owner.repeat(32), project: 'p' })).id;
        const { exitCode } = await provider.exec(id, 'true');
        if (exitCode !== 0) throw new Error('first command failed');
      });
      await provider.writeFiles(id, [{ path: 'package.json', content: PACKAGE }]);
      let output = '';
      const ms = await timed(async () => {
        const { exitCode } = await provider.exec(id, INSTALL, { onOutput: (c) => (output += c) });
        if (exitCode !== 0) throw new Error(`npm install failed:\n${output}`);
      });
      await provider.delete(id);
      return ms;
    };
    const cold = await install('a');
    const fill = await timed(() => provider.sharedCacheSettled());
    const warm = await install('a');
    const newSession = provider.sharedNpmCache ? await install('b') : NaN;
    return { firstCommand, cold, warm, newSession, fill: provider.sharedNpmCache ? fill : NaN };
  } finally {
    await provider.stopAll();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

async function main() {
  const bwrap = `bubblewrap, own user namespace${process.getuid?.() === 0 ? ' as uid 200000' : ''}, no capabilities, cgroups`;
  const empty = () => ({ firstCommand: [] as number[], cold: [] as number[], warm: [] as number[], newSession: [] as number[], fill: [] as number[] });
  const rows: Array<[Setup, string, ReturnType<typeof empty>]> = [
    ['none', 'no isolation (plain child processes)', empty()],
    ['bwrap', `${bwrap}; host network`, empty()],
    ['bwrap+net', `${bwrap}; own network namespace (slirp4netns), disk volumes, shared npm cache — the product`, empty()],
  ];
  for (let run = 1; run <= RUNS; run++) {
    for (const [setup, , figures] of rows) {
      // As root the product refuses to run sandboxes without isolation (they would be host root).
      if (setup === 'none' && process.getuid?.() === 0) continue;
      const result = await measure(setup);
      figures.firstCommand.push(result.firstCommand);
      figures.cold.push(result.cold);
      figures.warm.push(result.warm);
      figures.newSession.push(result.newSession);
      figures.fill.push(result.fill);
    }
    console.error(`run ${run}/${RUNS} done`);
  }
  console.log(`\nLocal sandbox cost (median of ${RUNS}; npm install of a Vite + React app, registry over the network)\n`);
  const cell = (xs: number[], none: string) => (Number.isNaN(median(xs)) ? none : seconds(median(xs)));
  console.log("| setup | create → first command | npm install, cold cache | npm install, warm (same session) | a new session's first install | server fills the shared cache (background) |");
  console.log('| --- | --- | --- | --- | --- | --- |');
  for (const [, name, figures] of rows) {
    if (!figures.cold.length) {
      console.log(`| ${name} | refused as root | | | | |`);
      continue;
    }
    console.log(`| ${name} | ${seconds(median(figures.firstCommand))} | ${seconds(median(figures.cold))} | ${seconds(median(figures.warm))} | ${cell(figures.newSession, 'cold (no shared cache)')} | ${cell(figures.fill, '—')} |`);
  }
}

await main();
