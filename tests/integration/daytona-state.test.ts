// A Daytona sandbox's state (sandbox-state.server.ts) through the real SDK against the fake Daytona:
// which toolbox calls capture and restore make (upload, session exec, download, delete: all in
// Daytona's published toolbox description, tests/fixtures/daytona/contract.json), the archive the
// command made coming back whole, the cap, and a sandbox Daytona stopped being started again.
import { randomBytes } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { DaytonaError, FileSystem } from '@daytonaio/sdk';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { DaytonaProvider } from '~/lib/sandbox/daytona/daytona-provider.server';
import { SandboxService } from '~/lib/sandbox/sandbox-service.server';
import { defaultScript, FakeDaytona, type FakeSandbox } from '../fakes/fake-daytona';

const fake = new FakeDaytona({ transitionMs: 30 });
let provider: DaytonaProvider;
let service: SandboxService;
const OWNER = '0123456789abcdef0123456789abcdef';

/** The temporary files named in a state command (`k=… a=…`). */
function tempsOf(command: string) {
  const found = /k=(\.appforge-state-[0-9a-f]+\.keep) a=(\.appforge-state-[0-9a-f]+\.tgz)/.exec(command);
  return found ? { keep: `project/${found[1]}`, archive: `project/${found[2]}` } : undefined;
}

/** What the sandbox's tar "makes" for a capture command (the fake runs no commands), and what restore commands saw. */
function scriptState(archive: Buffer, reportedSize = archive.length) {
  const seen: Array<{ command: string; keep?: Buffer; archive?: Buffer }> = [];
  fake.onCommand = (command: string, sandbox: FakeSandbox) => {
    const temps = tempsOf(command);
    if (!temps) return defaultScript(command);
    seen.push({ command, keep: sandbox.files.get(temps.keep), archive: sandbox.files.get(temps.archive) });
    if (command.includes('-czf "$a"')) {
      sandbox.files.set(temps.archive, archive);
      return { output: `appforge-state 2 ${reportedSize}\n` };
    }
    return { output: 'appforge-state 2\n' };
  };
  return seen;
}

/** The toolbox calls made for a sandbox (a command's state and logs, polled as often as it takes, left out). */
const toolboxCalls = (id: string) =>
  fake.requests
    .filter((r) => r.path.startsWith(`/toolbox/${id}/`))
    .map((r) => `${r.method} ${r.path.slice(`/toolbox/${id}`.length).replace(/\/process\/session\/[^/]+/, '/process/session/S').replace(/\/command\/[^/]+/, '/command/C')}`)
    .filter((call) => !call.includes('/command/C'));

beforeAll(async () => {
  await fake.start(24830);
  provider = new DaytonaProvider({ apiKey: fake.apiKey, apiUrl: fake.apiUrl, target: 'us', idleTtlMin: 30, polling: true, retry: { baseDelayMs: 5, maxDelayMs: 2000 }, pollIntervalMs: 40 });
  service = new SandboxService(provider, { secret: 'daytona-state-secret-0123456789abcdef', previewHost: 'localhost:5173', previewScheme: 'http', maxPerSession: 10, maxTotal: 20, idleTtlMs: 3_600_000, defaultShareTtlHours: 24, stateMaxBytes: 1_048_576 });
});
beforeEach(() => {
  fake.requests.length = 0;
  fake.onCommand = defaultScript;
});
afterAll(async () => {
  for (const s of await provider.list({ app: 'appforge' }).catch(() => [])) await provider.delete(s.id).catch(() => {});
  await provider.close();
  await fake.stop();
});

describe('sandbox state on Daytona (the fake, through the real SDK)', () => {
  it('capture: the keep list uploaded, one session command, the archive downloaded whole, the temporary files deleted', async () => {
    const { id } = await service.create(OWNER, 'p');
    const archive = gzipSync(randomBytes(100_000));
    const seen = scriptState(archive);
    fake.requests.length = 0;
    const captured = await service.captureState(OWNER, id, ['src/index.js', 'a b/c\n"d".txt']);
    expect(captured.files).toBe(2);
    expect(captured.archive.equals(archive)).toBe(true);
    expect(seen).toHaveLength(1);
    expect(seen[0].command).toMatch(/^cd project && export LC_ALL=C/);
    const names = seen[0].keep!.toString().split('\0');
    expect(names.slice(0, 2)).toEqual(['src/index.js', 'a b/c\n"d".txt']);
    expect(names.slice(2, -1)).toHaveLength(4); // the temporary files, never captured themselves
    expect(toolboxCalls(id)).toEqual([
      'POST /files/bulk-upload',
      'POST /process/session',
      'POST /process/session/S/exec',
      'DELETE /process/session/S',
      'POST /files/bulk-download',
      'DELETE /files',
      'DELETE /files',
      'DELETE /files',
      'DELETE /files',
    ]);
    expect([...fake.sandboxes.get(id)!.files.keys()].filter((p) => p.includes('.appforge-state'))).toEqual([]);
  });

  it('restore: the keep list and the archive uploaded, one session command, the temporary files deleted', async () => {
    const { id } = await service.create(OWNER, 'p');
    const archive = gzipSync(Buffer.from('state'));
    const seen = scriptState(archive);
    fake.requests.length = 0;
    expect(await service.restoreState(OWNER, id, archive, ['src/index.js'])).toEqual({ files: 2 });
    expect(seen[0].archive?.equals(archive)).toBe(true);
    expect(seen[0].command).toContain('tar -xzf "$a" --no-same-owner --skip-old-files');
    expect(toolboxCalls(id)).toEqual([
      'POST /files/bulk-upload',
      'POST /files/bulk-upload',
      'POST /process/session',
      'POST /process/session/S/exec',
      'DELETE /process/session/S',
      'DELETE /files',
      'DELETE /files',
      'DELETE /files',
      'DELETE /files',
    ]);
  });

  it('stops the app server it started before restoring', async () => {
    const { id } = await service.create(OWNER, 'p');
    const server = await service.start(OWNER, id, 'npm run dev');
    let exited = false;
    void server.exit.then(() => (exited = true));
    scriptState(gzipSync(Buffer.from('state')));
    await service.restoreState(OWNER, id, gzipSync(Buffer.from('state')), []);
    expect(exited).toBe(true);
    expect(fake.sandboxes.get(id)!.sessions.has(server.id)).toBe(false);
  });

  it('over the cap: refused with the size before any download; an archive that grows after it was measured is cut off', async () => {
    const { id } = await service.create(OWNER, 'p');
    scriptState(gzipSync(Buffer.from('x')), 3_000_000);
    fake.requests.length = 0;
    await expect(service.captureState(OWNER, id, [])).rejects.toMatchObject({ status: 413, message: "The sandbox's state is 2.9 MB compressed, over the 1 MB a version may keep (SANDBOX_STATE_MAX_MB)." });
    expect(toolboxCalls(id)).not.toContain('POST /files/bulk-download');
    scriptState(randomBytes(1_500_000), 1000);
    await expect(service.captureState(OWNER, id, [])).rejects.toMatchObject({ status: 413, message: "The sandbox's state grew past the 1 MB a version may keep (SANDBOX_STATE_MAX_MB) while it was read." });
    expect([...fake.sandboxes.get(id)!.files.keys()].filter((p) => p.includes('.appforge-state'))).toEqual([]);
  });

  it('starts a sandbox Daytona stopped again, as exec does', async () => {
    const { id } = await service.create(OWNER, 'p');
    fake.lifecycle.stop(fake.sandboxes.get(id)!);
    for (let i = 0; i < 100 && fake.sandboxes.get(id)!.state !== 'stopped'; i++) await new Promise((r) => setTimeout(r, 20));
    const archive = gzipSync(Buffer.from('state'));
    scriptState(archive);
    expect((await service.captureState(OWNER, id, [])).archive.equals(archive)).toBe(true);
    expect(fake.sandboxes.get(id)!.state).toBe('started');
  });

  it('reads the archive whole where the SDK cannot stream (Cloudflare Pages), with the same cap', async () => {
    const { id } = await service.create(OWNER, 'p');
    const refuse = vi.spyOn(FileSystem.prototype, 'downloadFileStream').mockRejectedValue(new DaytonaError('downloadFileStream is not supported in browser or serverless environments. Use downloadFile instead.'));
    try {
      const archive = gzipSync(randomBytes(10_000));
      scriptState(archive);
      expect((await service.captureState(OWNER, id, [])).archive.equals(archive)).toBe(true);
      scriptState(randomBytes(1_500_000), 1000);
      await expect(service.captureState(OWNER, id, [])).rejects.toMatchObject({ status: 413 });
      expect(refuse).toHaveBeenCalledTimes(2);
    } finally {
      refuse.mockRestore();
    }
  });

  it("hides another session's sandbox (404)", async () => {
    const { id } = await service.create(OWNER, 'p');
    await expect(service.captureState('ffffffffffffffffffffffffffffffff', id, [])).rejects.toMatchObject({ status: 404 });
    await expect(service.restoreState('ffffffffffffffffffffffffffffffff', id, gzipSync(Buffer.from('x')), [])).rejects.toMatchObject({ status: 404 });
  });
});
