// npm run bench:sandbox — what isolation costs a Local sandbox. For each setup, in the same run:
// create → first command, then `npm install` of a Vite + React app with a fresh npm cache (cold)
// and again in a second sandbox with that cache (warm). Setups: no isolation at all (plain child
// processes); bubblewrap (own user namespace as an unprivileged host user when run as root, no
// capabilities, cgroup limits) on the host's network; and the product's isolation, the same with
// an own network namespace per sandbox (slirp4netns) and size-limited disk volumes. Medians of RUNS runs.
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
  const provider = new LocalProvider({ dataDir, portBase: 23000, commandTimeoutMs: 600_000, maxOutputBytes: 1_000_000, memoryMb: 4096, useBwrap: setup !== 'none', isolateNetwork: setup === 'bwrap+net', diskMb: setup === 'bwrap+net' ? 4096 : 0, log: () => {} });
  const timed = async (work: () => Promise<unknown>) => {
    const began = performance.now();
    await work();
    return performance.now() - began;
  };
  try {
    let firstCommand = 0;
    const install = async () => {
      let id = '';
      firstCommand = await timed(async () => {
        id = (await provider.create({ app: 'appforge', owner: 'bench', project: 'p' })).id;
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
    const cold = await install();
    const warm = await install();
    return { firstCommand, cold, warm };
  } finally {
    await provider.stopAll();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

async function main() {
  const bwrap = `bubblewrap, own user namespace${process.getuid?.() === 0 ? ' as uid 200000' : ''}, no capabilities, cgroups`;
  const rows: Array<[Setup, string, { firstCommand: number[]; cold: number[]; warm: number[] }]> = [
    ['none', 'no isolation (plain child processes)', { firstCommand: [], cold: [], warm: [] }],
    ['bwrap', `${bwrap}; host network`, { firstCommand: [], cold: [], warm: [] }],
    ['bwrap+net', `${bwrap}; own network namespace (slirp4netns), disk volumes — the product`, { firstCommand: [], cold: [], warm: [] }],
  ];
  for (let run = 1; run <= RUNS; run++) {
    for (const [setup, , figures] of rows) {
      const result = await measure(setup);
      figures.firstCommand.push(result.firstCommand);
      figures.cold.push(result.cold);
      figures.warm.push(result.warm);
    }
    console.error(`run ${run}/${RUNS} done`);
  }
  console.log(`\nLocal sandbox cost (median of ${RUNS}; npm install of a Vite + React app, registry over the network)\n`);
  console.log('| setup | create → first command | npm install, cold cache | npm install, warm cache |');
  console.log('| --- | --- | --- | --- |');
  for (const [, name, figures] of rows) console.log(`| ${name} | ${seconds(median(figures.firstCommand))} | ${seconds(median(figures.cold))} | ${seconds(median(figures.warm))} |`);
}

await main();
