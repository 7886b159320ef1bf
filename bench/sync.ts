// npm run bench:sync — an edit reaching the running preview. A 50-file project runs in a Local
// sandbox; one file is edited at a time the way the workbench sends it (one batch with only the
// changed file), and the preview is read through the proxy until it serves the new content.
// Prints the median latency, and the bytes sent per edit against sending the whole tree.
import os from 'node:os';
import { ApiClient, getWithHost, startApp, TEST_KEY } from '../tests/support/app-server';
import { launch } from '../tests/support/launch';

const EDITS = Number(process.env.EDITS ?? 20);
const FILES = 50;

const SERVER = `const http = require('http');
const fs = require('fs');
// Reads the file on every request, as a dev server serves the latest version.
http.createServer((req, res) => res.end(fs.readFileSync('src/module-0.js', 'utf8'))).listen(process.env.PORT, '0.0.0.0');`;

function project() {
  const files = [{ path: 'server.js', content: SERVER }];
  for (let i = 0; i < FILES - 1; i++) files.push({ path: `src/module-${i}.js`, content: `// module ${i}\n${'export const value = "lorem ipsum dolor sit amet";\n'.repeat(40)}` });
  return files;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function main() {
  const app = await startApp({ OPENROUTER_API_KEY: TEST_KEY, SANDBOX_PROVIDER: 'local' });
  try {
    const client = new ApiClient(app.url);
    const api = client.sandboxes();
    const files = project();
    const launched = await launch(client, { project: 'sync-bench', files, start: 'node server.js' });
    if (launched.failure) throw new Error(`${launched.failure}\n${launched.output}`);
    const { id, previewUrl } = launched.sandbox;
    const wholeTree = JSON.stringify({ files, remove: [] }).length;
    const latencies: number[] = [];
    const sizes: number[] = [];
    for (let edit = 1; edit <= EDITS; edit++) {
      const marker = `edit-${edit}-${Date.now()}`;
      const body = { files: [{ path: 'src/module-0.js', content: `// ${marker}\n${files[1].content}` }], remove: [] };
      sizes.push(JSON.stringify(body).length);
      const started = performance.now();
      await api.writeFiles(id, body);
      while (!(await getWithHost(app.url, previewUrl)).body.includes(marker)) await new Promise((r) => setTimeout(r, 2));
      latencies.push(performance.now() - started);
    }
    await api.delete(id);
    console.log(`bench:sync — ${FILES}-file project in a Local sandbox, ${EDITS} edits of one file; ${os.cpus().length} cores, Node ${process.version}`);
    console.log(`edit → served by the preview: median ${median(latencies).toFixed(1)} ms, max ${Math.max(...latencies).toFixed(1)} ms`);
    console.log(`bytes sent per edit: ${median(sizes)} (the whole tree would be ${wholeTree}: ${(wholeTree / median(sizes)).toFixed(0)}× more)`);
  } finally {
    await app.stop();
  }
}

await main();
