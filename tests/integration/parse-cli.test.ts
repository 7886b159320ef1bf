import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = new URL('../..', import.meta.url).pathname;
const run = (...args: string[]) => spawnSync(process.execPath, ['--import', 'tsx', 'scripts/parse.ts', ...args], { cwd: ROOT, encoding: 'utf8' });

describe('npm run -s parse', () => {
  it('prints the same artifacts and actions as JSON for any chunk size', () => {
    const outputs = ['1', '3', '16', '1000'].map((chunk) => run('tests/fixtures/answers/todo-app.txt', '--chunk', chunk));
    for (const output of outputs) expect(output.status).toBe(0);
    const parsed = JSON.parse(outputs[0].stdout);
    expect(parsed.artifacts).toEqual([{ id: 'todo-app', title: 'Todo app' }]);
    expect(parsed.actions.map((a: { type: string }) => a.type)).toEqual(['file', 'file', 'file', 'shell', 'start']);
    expect(new Set(outputs.map((o) => o.stdout)).size).toBe(1);
  });

  it('works through npm with the default chunk size', () => {
    const stdout = execFileSync('npm', ['run', '-s', 'parse', '--', 'tests/fixtures/answers/todo-app.txt'], { cwd: ROOT, encoding: 'utf8' });
    expect(JSON.parse(stdout).actions).toHaveLength(5);
  });

  it('exits 0 on malformed input and reports unsafe paths as errors', () => {
    const dir = mkdtempSync(join(tmpdir(), 'parse-'));
    const file = join(dir, 'bad.txt');
    writeFileSync(file, '<boltArtifact id="x"><boltAction type="file" filePath="/etc/passwd">x</boltAction><boltAction type="file" filePath="a.txt">unclosed < <<');
    const output = run(file, '--chunk', '2');
    expect(output.status).toBe(0);
    const { actions } = JSON.parse(output.stdout);
    expect(actions[0]).toMatchObject({ type: 'file', filePath: '/etc/passwd', error: expect.stringMatching(/absolute path/) });
    expect(actions[1]).toEqual({ type: 'file', filePath: 'a.txt', content: 'unclosed < <<', incomplete: true });
  });

  it('explains a missing file', () => {
    const output = run('does/not/exist.txt');
    expect(output.status).toBe(2);
    expect(output.stderr).toMatch(/cannot read does\/not\/exist.txt/);
  });
});
