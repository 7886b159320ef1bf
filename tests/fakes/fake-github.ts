// A loopback GitHub: real git repositories served by Debian's `git http-backend` (smart HTTP,
// clone and push) at /<owner>/<repo>.git, and a fake of the REST endpoints the app uses at
// /api/v3 (get a repository, create a pull request), as GitHub Enterprise lays them out. Tokens
// are checked like GitHub checks them: Basic auth for git (any user, the token as password),
// "Bearer"/"token" for the API. Faults are scripted per test.
import { execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

export interface FakeRepoOptions {
  private?: boolean;
  defaultBranch?: string;
  /** Pushes are refused by a pre-receive hook with this message (a protected-branch rule). */
  rejectPushes?: string;
  /** Symbolic links in the first commit: path → target. */
  symlinks?: Record<string, string>;
}

export interface CreatedPull {
  owner: string;
  repo: string;
  number: number;
  title: string;
  body: string;
  head: string;
  base: string;
  url: string;
}

export class FakeGitHub {
  readonly root = mkdtempSync(join(tmpdir(), 'fake-github-'));
  readonly token = `ghp_fake${randomBytes(16).toString('hex')}`;
  readonly pulls: CreatedPull[] = [];
  /** Every request, as "METHOD path". */
  readonly requests: string[] = [];
  /** The next N API requests answer 403 with the rate-limit headers. */
  rateLimited = 0;
  url = '';
  #server: Server;
  #repos = new Map<string, FakeRepoOptions>();

  constructor() {
    this.#server = createServer((req, res) => void this.#handle(req, res).catch((error) => {
      res.statusCode = 500;
      res.end(String(error));
    }));
  }

  /** Listens on `host` (an address Local sandboxes may be allowed to reach; loopback they cannot). */
  async start(host = '127.0.0.1'): Promise<string> {
    await new Promise<void>((resolve) => this.#server.listen(0, host, resolve));
    this.url = `http://${host}:${(this.#server.address() as AddressInfo).port}`;
    return this.url;
  }

  get apiUrl() {
    return `${this.url}/api/v3`;
  }

  async stop() {
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
    rmSync(this.root, { recursive: true, force: true });
  }

  /** A bare repository with one commit holding `files`. */
  createRepo(fullName: string, files: Record<string, string>, options: FakeRepoOptions = {}) {
    const branch = options.defaultBranch ?? 'main';
    const bare = this.#bare(fullName);
    mkdirSync(dirname(bare), { recursive: true });
    const work = mkdtempSync(join(tmpdir(), 'fake-github-work-'));
    for (const [path, content] of Object.entries(files)) {
      mkdirSync(dirname(join(work, path)), { recursive: true });
      writeFileSync(join(work, path), content);
    }
    for (const [path, target] of Object.entries(options.symlinks ?? {})) {
      mkdirSync(dirname(join(work, path)), { recursive: true });
      symlinkSync(target, join(work, path));
    }
    const git = (...args: string[]) => execFileSync('git', args, { cwd: work, env: gitEnv(), stdio: 'pipe' });
    git('init', '-q', '-b', branch);
    git('add', '-A');
    git('commit', '-q', '-m', 'Initial commit');
    execFileSync('git', ['clone', '-q', '--bare', work, bare], { env: gitEnv(), stdio: 'pipe' });
    rmSync(work, { recursive: true, force: true });
    // Clones of a branch's older commit (a pull request based on the imported commit).
    execFileSync('git', ['--git-dir', bare, 'config', 'uploadpack.allowReachableSHA1InWant', 'true']);
    if (options.rejectPushes) {
      const hook = join(bare, 'hooks', 'pre-receive');
      writeFileSync(hook, `#!/bin/sh\necho ${JSON.stringify(options.rejectPushes)} >&2\nexit 1\n`);
      chmodSync(hook, 0o755);
    }
    this.#repos.set(fullName, options);
    return this.commitOf(fullName, branch);
  }

  /** A new commit on a branch of the remote (someone else pushed). */
  commitOn(fullName: string, branch: string, files: Record<string, string>) {
    const work = mkdtempSync(join(tmpdir(), 'fake-github-work-'));
    const git = (...args: string[]) => execFileSync('git', args, { cwd: work, env: gitEnv(), stdio: 'pipe' });
    execFileSync('git', ['clone', '-q', '-b', branch, this.#bare(fullName), work], { env: gitEnv(), stdio: 'pipe' });
    for (const [path, content] of Object.entries(files)) {
      mkdirSync(dirname(join(work, path)), { recursive: true });
      writeFileSync(join(work, path), content);
    }
    git('add', '-A');
    git('commit', '-q', '-m', 'Upstream change');
    git('push', '-q', 'origin', branch);
    rmSync(work, { recursive: true, force: true });
  }

  branches(fullName: string): string[] {
    return execFileSync('git', ['--git-dir', this.#bare(fullName), 'for-each-ref', '--format=%(refname:short)', 'refs/heads'], { encoding: 'utf8' }).split('\n').filter(Boolean);
  }

  commitOf(fullName: string, branch: string): string {
    return execFileSync('git', ['--git-dir', this.#bare(fullName), 'rev-parse', `refs/heads/${branch}`], { encoding: 'utf8' }).trim();
  }

  /** A file at a branch's tip, or null. */
  fileAt(fullName: string, branch: string, path: string): string | null {
    try {
      return execFileSync('git', ['--git-dir', this.#bare(fullName), 'show', `${branch}:${path}`], { encoding: 'utf8', stdio: 'pipe' });
    } catch {
      return null;
    }
  }

  /** The paths a branch's tip commit changed, relative to its parent ("A path", "M path", "D path"). */
  changesAt(fullName: string, branch: string): string[] {
    return execFileSync('git', ['--git-dir', this.#bare(fullName), 'diff-tree', '--no-commit-id', '--name-status', '-r', branch], { encoding: 'utf8' })
      .split('\n')
      .filter(Boolean)
      .map((line) => line.replace('\t', ' '));
  }

  /** The tip commit's message and author. */
  commitInfo(fullName: string, branch: string): { message: string; author: string; parent: string } {
    const [author, parent, ...message] = execFileSync('git', ['--git-dir', this.#bare(fullName), 'log', '-1', '--format=%an <%ae>%n%P%n%B', branch], { encoding: 'utf8' }).split('\n');
    return { author, parent, message: message.join('\n').trim() };
  }

  #bare(fullName: string) {
    return join(this.root, `${fullName}.git`);
  }

  #authorized(req: IncomingMessage, kind: 'git' | 'api'): boolean | null {
    const header = req.headers.authorization ?? '';
    if (!header) return null;
    if (kind === 'git') {
      const [scheme, value] = header.split(' ');
      if (scheme !== 'Basic' || !value) return false;
      return Buffer.from(value, 'base64').toString().split(':').slice(1).join(':') === this.token;
    }
    return header === `Bearer ${this.token}` || header === `token ${this.token}`;
  }

  async #handle(req: IncomingMessage, res: ServerResponse) {
    const url = new URL(req.url ?? '/', 'http://fake');
    this.requests.push(`${req.method} ${url.pathname}${url.search}`);
    if (url.pathname.startsWith('/api/v3/')) return this.#api(req, res, url);
    const match = /^\/([^/]+)\/([^/]+)\.git(\/.*)$/.exec(url.pathname);
    const options = match ? this.#repos.get(`${match[1]}/${match[2]}`) : undefined;
    if (!match || !options) return send(res, 404, 'Repository not found.');
    const auth = this.#authorized(req, 'git');
    const pushing = url.searchParams.get('service') === 'git-receive-pack' || match[3] === '/git-receive-pack';
    if (auth === false || ((options.private || pushing) && !auth)) {
      res.setHeader('WWW-Authenticate', 'Basic realm="GitHub"');
      return send(res, 401, 'Invalid username or token.');
    }
    await this.#backend(req, res, url, `/${match[1]}/${match[2]}.git${match[3]}`);
  }

  /** Runs git http-backend as CGI for one request. */
  async #backend(req: IncomingMessage, res: ServerResponse, url: URL, pathInfo: string) {
    const child = spawn('git', ['http-backend'], {
      env: {
        ...gitEnv(),
        GIT_PROJECT_ROOT: this.root,
        GIT_HTTP_EXPORT_ALL: '1',
        PATH_INFO: pathInfo,
        REQUEST_METHOD: req.method ?? 'GET',
        QUERY_STRING: url.search.slice(1),
        CONTENT_TYPE: req.headers['content-type'] ?? '',
        REMOTE_USER: 'fake-user',
        REMOTE_ADDR: '127.0.0.1',
        ...(req.headers['content-encoding'] ? { HTTP_CONTENT_ENCODING: String(req.headers['content-encoding']) } : {}),
        ...(req.headers['git-protocol'] ? { GIT_PROTOCOL: String(req.headers['git-protocol']) } : {}),
      },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    req.pipe(child.stdin);
    const chunks: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => chunks.push(chunk));
    child.stderr.resume();
    await new Promise((resolve) => child.on('close', resolve));
    const output = Buffer.concat(chunks);
    const end = output.indexOf('\r\n\r\n');
    const head = output.subarray(0, end).toString().split('\r\n');
    let status = 200;
    for (const line of head) {
      const [name, ...value] = line.split(': ');
      if (name.toLowerCase() === 'status') status = Number.parseInt(value.join(': '), 10);
      else res.setHeader(name, value.join(': '));
    }
    res.statusCode = status;
    res.end(output.subarray(end + 4));
  }

  async #api(req: IncomingMessage, res: ServerResponse, url: URL) {
    const auth = this.#authorized(req, 'api');
    if (auth === false) return json(res, 401, { message: 'Bad credentials' });
    if (this.rateLimited > 0) {
      this.rateLimited--;
      res.setHeader('x-ratelimit-remaining', '0');
      res.setHeader('x-ratelimit-reset', String(Math.floor(Date.now() / 1000) + 600));
      return json(res, 403, { message: 'API rate limit exceeded for user.' });
    }
    const match = /^\/api\/v3\/repos\/([^/]+)\/([^/]+)(\/pulls)?$/.exec(url.pathname);
    const fullName = match ? `${match[1]}/${match[2]}` : '';
    const options = this.#repos.get(fullName);
    if (!match || !options || (options.private && !auth)) return json(res, 404, { message: 'Not Found' });
    if (!match[3] && req.method === 'GET') {
      return json(res, 200, { full_name: fullName, private: Boolean(options.private), default_branch: options.defaultBranch ?? 'main', html_url: `${this.url}/${fullName}`, permissions: { pull: true, push: Boolean(auth) } });
    }
    if (match[3] && req.method === 'POST') {
      if (!auth) return json(res, 401, { message: 'Requires authentication' });
      const input = JSON.parse(await text(req)) as { title?: string; body?: string; head?: string; base?: string };
      if (!input.title || !input.head || !input.base) return json(res, 422, { message: 'Validation Failed', errors: [{ message: 'title, head and base are required' }] });
      if (!this.branches(fullName).includes(input.head)) return json(res, 422, { message: 'Validation Failed', errors: [{ resource: 'PullRequest', field: 'head', code: 'invalid' }] });
      const number = this.pulls.length + 1;
      const pull = { owner: match[1], repo: match[2], number, title: input.title, body: input.body ?? '', head: input.head, base: input.base, url: `${this.url}/${fullName}/pull/${number}` };
      this.pulls.push(pull);
      return json(res, 201, { number, html_url: pull.url, title: pull.title });
    }
    return json(res, 404, { message: 'Not Found' });
  }
}

/** git as a test runs it: no user or system configuration, a fixed identity. */
export function gitEnv(): NodeJS.ProcessEnv {
  return { PATH: process.env.PATH, HOME: tmpdir(), GIT_CONFIG_NOSYSTEM: '1', GIT_CONFIG_GLOBAL: '/dev/null', GIT_AUTHOR_NAME: 'Fake', GIT_AUTHOR_EMAIL: 'fake@example.com', GIT_COMMITTER_NAME: 'Fake', GIT_COMMITTER_EMAIL: 'fake@example.com' } as unknown as NodeJS.ProcessEnv;
}

function send(res: ServerResponse, status: number, body: string) {
  res.statusCode = status;
  res.end(body);
}

function json(res: ServerResponse, status: number, body: unknown) {
  res.statusCode = status;
  res.setHeader('Content-Type', 'application/json');
  res.end(JSON.stringify(body));
}

function text(req: IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
  });
}
