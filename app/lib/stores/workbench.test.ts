import type { UIMessage } from 'ai';
import { describe, expect, it } from 'vitest';
import { FakeRuntime } from '../../../tests/fakes/fake-runtime';
import { Workbench } from './workbench';

const answer =
  'Intro text. <boltArtifact id="p" title="P"><boltAction type="file" filePath="src/a.js">let a = 1;</boltAction><boltAction type="shell">npm test</boltAction></boltArtifact> Outro.';

const assistant = (id: string, text: string, parts = 1): UIMessage => {
  const size = Math.ceil(text.length / parts);
  return { id, role: 'assistant', parts: Array.from({ length: parts }, (_, i) => ({ type: 'text' as const, text: text.slice(i * size, (i + 1) * size) })) };
};
const user: UIMessage = { id: 'u1', role: 'user', parts: [{ type: 'text', text: 'build' }] };

describe('Workbench', () => {
  it('feeds a growing message to the parser and runner, and lays out prose around the artifact card', async () => {
    const runtime = new FakeRuntime();
    const wb = new Workbench({ createRuntime: () => runtime });
    for (let n = 1; n <= answer.length; n += 9) wb.update([user, assistant('a1', answer.slice(0, n))], true);
    wb.update([user, assistant('a1', answer, 3)], false);
    await wb.runner.idle();
    expect(wb.files.files.get()).toEqual({ 'src/a.js': 'let a = 1;' });
    expect(wb.selectedFile.get()).toBe('src/a.js');
    expect(runtime.files['src/a.js']).toBe('let a = 1;');
    expect(runtime.log).toContain('exec npm test');
    const blocks = wb.blocks.get().a1;
    expect(blocks.map((b) => b.type)).toEqual(['text', 'artifact', 'text']);
    expect(blocks[0]).toEqual({ type: 'text', text: 'Intro text. ' });
    expect(blocks[2]).toEqual({ type: 'text', text: ' Outro.' });
    expect(wb.runtimeState.get()).toEqual({ state: 'ready', kind: 'browser' });
  });

  it('restores a saved chat without running anything again', async () => {
    const runtime = new FakeRuntime();
    const wb = new Workbench({ createRuntime: () => runtime });
    wb.restore([user, assistant('a1', answer)], { 'src/a.js': 'let a = 2; // edited' }, { 'a1:1': { state: 'failed', error: 'exit 1' } });
    await wb.runner.idle();
    await new Promise((r) => setTimeout(r, 0));
    expect(runtime.log).toEqual(['write src/a.js']); // the saved project copied in, no command run
    expect(runtime.files['src/a.js']).toBe('let a = 2; // edited');
    expect(Object.values(wb.runner.actions.get()).map((a) => a.status.state)).toEqual(['complete', 'failed']);
    // A later update with the same message does not replay it.
    wb.update([user, assistant('a1', answer)], false);
    await wb.runner.idle();
    expect(runtime.log).toEqual(['write src/a.js']);
  });

  it('says plainly when the runtime cannot start, keeps the files, and fails the command with the reason', async () => {
    const wb = new Workbench({ createRuntime: () => new FakeRuntime({ failBoot: 'no network' }) });
    wb.update([user, assistant('a1', answer)], false);
    await wb.runner.idle();
    expect(wb.runtimeState.get()).toMatchObject({ state: 'unavailable', message: expect.stringMatching(/^The in-browser runtime could not start: no network\./) });
    expect(wb.files.files.get()['src/a.js']).toBe('let a = 1;');
    const shell = Object.values(wb.runner.actions.get()).find((a) => a.type === 'shell')!;
    expect(shell.status).toMatchObject({ state: 'failed', error: expect.stringMatching(/could not start: no network/) });
  });

  it('writes user edits through to a ready runtime', async () => {
    const runtime = new FakeRuntime();
    const wb = new Workbench({ createRuntime: () => runtime });
    wb.update([user, assistant('a1', answer)], false);
    await wb.runner.idle();
    wb.editFile('src/a.js', 'let a = 3;');
    await new Promise((r) => setTimeout(r, 0));
    expect(wb.files.files.get()['src/a.js']).toBe('let a = 3;');
    expect(runtime.files['src/a.js']).toBe('let a = 3;');
  });

  it('Stop closes the streaming file as incomplete and aborts queued commands', async () => {
    const runtime = new FakeRuntime();
    const wb = new Workbench({ createRuntime: () => runtime });
    const partial = answer.slice(0, answer.indexOf('let a') + 5);
    wb.update([user, assistant('a1', partial)], true);
    wb.stop([user, assistant('a1', partial)]);
    await wb.runner.idle();
    const file = Object.values(wb.runner.actions.get())[0];
    expect(file.status).toMatchObject({ state: 'failed', error: expect.stringMatching(/ended before/) });
    expect(wb.files.files.get()['src/a.js']).toBe('let a');
  });
});
