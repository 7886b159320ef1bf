// npm run preview:cf — `wrangler pages dev` on $PORT (default 8788) over the Pages build. The
// app's variables come from .dev.vars (wrangler reads it) or, for those it does not set, from the
// environment: every variable .env.example names that is set here is passed as a --binding.
// Extra arguments go to wrangler as they are.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';

const ROOT = new URL('..', import.meta.url).pathname;
const port = process.env.PORT || '8788';
const names = (file) => (existsSync(file) ? [...readFileSync(file, 'utf8').matchAll(/^#? ?([A-Z][A-Z0-9_]*)=/gm)].map((m) => m[1]) : []);
const fromFile = new Set(names(`${ROOT}.dev.vars`));
const bindings = names(`${ROOT}.env.example`)
  .filter((name) => name !== 'PORT' && !fromFile.has(name) && process.env[name])
  .flatMap((name) => ['--binding', `${name}=${process.env[name]}`]);
const args = ['wrangler', 'pages', 'dev', '--ip', '127.0.0.1', '--port', port, '--binding', `PORT=${port}`, ...bindings, ...process.argv.slice(2)];
const child = spawn('npx', args, { cwd: ROOT, stdio: 'inherit', env: { ...process.env, WRANGLER_SEND_METRICS: process.env.WRANGLER_SEND_METRICS ?? 'false' } });
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
