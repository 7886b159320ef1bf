import { describe, expect, it } from 'vitest';
import { plainText, TerminalStore } from './terminal';

describe('TerminalStore', () => {
  it("keeps every chunk, and says a command has run only for commands and their output (not the app's notices and errors)", () => {
    const terminal = new TerminalStore();
    terminal.notice('Moved to a cloud sandbox because the in-browser runtime could not start.');
    terminal.error('Could not keep this version: quota');
    expect(terminal.ran.get()).toBe(false);
    expect(terminal.written.get()).toBe(2);
    terminal.command('npm install');
    expect(terminal.ran.get()).toBe(true);
    terminal.clear();
    expect(terminal.ran.get()).toBe(false);
    terminal.output('added 1 package\n');
    expect(terminal.ran.get()).toBe(true);
    expect(terminal.chunks.get()).toEqual(['added 1 package\r\n']);
  });

  it('gives chunks as plain text, without colours, cursor moves and titles', () => {
    const terminal = new TerminalStore();
    terminal.notice('Moved to a cloud sandbox.');
    terminal.command('npm run dev', 'running in the background');
    terminal.output('\x1b]0;vite\x07\x1b[2K\x1b[1G\x1b[32m➜\x1b[39m  Local: http://localhost:5173/\n');
    expect(terminal.chunks.get().map(plainText).join('')).toBe('Moved to a cloud sandbox.\n$ npm run dev  (running in the background)\n➜  Local: http://localhost:5173/\n');
  });
});
