import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseAnswer, StreamingArtifactParser, summarizeEvents, type ParserEvent } from './artifact-parser';

const fixture = (name: string) => readFileSync(new URL(`../../../tests/fixtures/answers/${name}`, import.meta.url), 'utf8');

const ANSWERS: Record<string, string> = {
  todo: fixture('todo-app.txt'),
  twoArtifacts: `First <boltArtifact id="a" title="A"><boltAction type="file" filePath="a.txt">x<y</boltAction></boltArtifact> then <boltArtifact id='b' title='B &amp; C'><boltAction type="shell">  ls -la  </boltAction></boltArtifact> done`,
  strayAngles: 'if a < b and <boltArt or </bolt or <boltArtifactX> it is prose',
  attributesWithGt: '<boltArtifact id="g" title="a > b"><boltAction type="file" filePath="x.js">1 > 0</boltAction></boltArtifact>',
  unclosedAction: '<boltArtifact id="u" title="U"><boltAction type="file" filePath="src/app.js">const a = 1;\nconst b',
  nested: '<boltArtifact id="o" title="O"><boltArtifact id="i" title="I"><boltAction type="shell">echo hi</boltAction></boltArtifact></boltArtifact>after',
  unsafe: '<boltArtifact id="s" title="S"><boltAction type="file" filePath="../../etc/passwd">root</boltAction><boltAction type="file" filePath="/etc/hosts">h</boltAction><boltAction type="file" filePath="ok/./fine.txt">ok</boltAction></boltArtifact>',
  unknownType: '<boltArtifact id="t" title="T"><boltAction type="deploy">now</boltAction><boltAction type="start">npm run dev</boltAction></boltArtifact>',
};

function actionsOf(text: string, chunk: number) {
  return summarizeEvents(parseAnswer(text, chunk).events);
}

function randomChunks(text: string, seed: number) {
  const parser = new StreamingArtifactParser();
  const events: ParserEvent[] = [];
  let state = seed;
  for (let i = 0; i < text.length; ) {
    state = (state * 1103515245 + 12345) % 2 ** 31;
    const size = 1 + (state % 40);
    events.push(...parser.push(text.slice(i, i + size)));
    i += size;
  }
  events.push(...parser.end());
  return summarizeEvents(events);
}

describe('StreamingArtifactParser', () => {
  it('extracts artifacts and actions in order from a model answer', () => {
    const { artifacts, actions } = actionsOf(ANSWERS.todo, 16);
    expect(artifacts).toEqual([{ id: 'todo-app', title: 'Todo app' }]);
    expect(actions.map((a) => a.type)).toEqual(['file', 'file', 'file', 'shell', 'start']);
    expect(actions[2]).toMatchObject({ filePath: 'src/main.js' });
    expect((actions[2] as { content: string }).content).toContain('// a < b && b > c');
    expect(actions[3]).toEqual({ type: 'shell', command: 'npm install' });
    expect(actions[4]).toEqual({ type: 'start', command: 'npm run dev' });
  });

  it.each(Object.keys(ANSWERS))('gives the same actions for every chunk size (%s)', (name) => {
    const text = ANSWERS[name];
    const expected = actionsOf(text, text.length);
    for (let chunk = 1; chunk <= 48; chunk++) expect(actionsOf(text, chunk)).toEqual(expected);
    for (let seed = 1; seed <= 25; seed++) expect(randomChunks(text, seed)).toEqual(expected);
  });

  it('keeps prose outside artifacts, including stray angle brackets, as text', () => {
    const { events } = parseAnswer(ANSWERS.strayAngles, 3);
    const text = events.filter((e) => e.type === 'text').map((e) => (e as { text: string }).text).join('');
    expect(text).toBe(ANSWERS.strayAngles);
    expect(summarizeEvents(events).actions).toEqual([]);
  });

  it('streams file content as deltas before the action closes', () => {
    const parser = new StreamingArtifactParser();
    parser.push('<boltArtifact id="a" title="A"><boltAction type="file" filePath="big.txt">hello ');
    const events = parser.push('world');
    // The space is held back until it is known not to be trailing white space.
    expect(events).toEqual([{ type: 'file-delta', actionId: 0, text: ' world' }]);
    const closing = parser.push('</boltAction>');
    expect(closing).toMatchObject([
      { type: 'file-delta', actionId: 0, text: '\n' },
      { type: 'action-close', action: { type: 'file', filePath: 'big.txt', content: 'hello world\n' }, complete: true },
    ]);
  });

  it('holds back a possible closing tag split across chunks without emitting it as content', () => {
    const parser = new StreamingArtifactParser();
    parser.push('<boltArtifact id="a" title="A"><boltAction type="file" filePath="f">abc</bolt');
    const more = parser.push('Action>');
    const deltas = more.filter((e) => e.type === 'file-delta');
    expect(deltas).toEqual([{ type: 'file-delta', actionId: 0, text: '\n' }]);
    expect(more.find((e) => e.type === 'action-close')).toMatchObject({ action: { content: 'abc\n' } });
  });

  it('decodes entities in attributes and allows > inside quoted attribute values', () => {
    expect(actionsOf(ANSWERS.twoArtifacts, 5).artifacts).toEqual([
      { id: 'a', title: 'A' },
      { id: 'b', title: 'B & C' },
    ]);
    expect(actionsOf(ANSWERS.attributesWithGt, 4).artifacts).toEqual([{ id: 'g', title: 'a > b' }]);
  });

  it('marks an action left open at the end of the answer as incomplete, keeping what arrived', () => {
    const { actions } = actionsOf(ANSWERS.unclosedAction, 7);
    expect(actions).toEqual([{ type: 'file', filePath: 'src/app.js', content: 'const a = 1;\nconst b', incomplete: true }]);
  });

  it('ignores a nested artifact tag and keeps its actions in the open artifact', () => {
    const { events } = parseAnswer(ANSWERS.nested, 2);
    const summary = summarizeEvents(events);
    expect(summary.artifacts).toEqual([{ id: 'o', title: 'O' }]);
    expect(summary.actions).toEqual([{ type: 'shell', command: 'echo hi' }]);
    const text = events.filter((e) => e.type === 'text').map((e) => (e as { text: string }).text).join('');
    expect(text).toBe('after');
  });

  it('rejects file paths that are absolute or leave the project root, and normalises safe ones', () => {
    const { actions } = actionsOf(ANSWERS.unsafe, 9);
    expect(actions[0]).toMatchObject({ type: 'file', filePath: '../../etc/passwd' });
    expect(actions[0].error).toMatch(/leaves the project root/);
    expect(actions[0]).not.toHaveProperty('content');
    expect(actions[1].error).toMatch(/absolute path/);
    expect(actions[2]).toEqual({ type: 'file', filePath: 'ok/fine.txt', content: 'ok\n' });
  });

  it('fails actions of an unknown type with a reason and goes on', () => {
    const { actions } = actionsOf(ANSWERS.unknownType, 3);
    expect(actions[0].error).toMatch(/unknown action type "deploy"/);
    expect(actions[1]).toEqual({ type: 'start', command: 'npm run dev' });
  });

  it('never throws on malformed or random input', () => {
    const pieces = ['<boltArtifact', ' id="x"', '>', '<boltAction', ' type="file"', ' filePath="a"', '</boltAction>', '</boltArtifact>', '<', '>', '"', 'text', '\n', '<bolt', '</', 'type="shell"'];
    let state = 7;
    for (let round = 0; round < 300; round++) {
      let text = '';
      for (let i = 0; i < 40; i++) {
        state = (state * 1103515245 + 12345) % 2 ** 31;
        text += pieces[state % pieces.length];
      }
      expect(() => actionsOf(text, 1 + (round % 13))).not.toThrow();
      expect(actionsOf(text, 1 + (round % 13))).toEqual(actionsOf(text, text.length));
    }
  });

  it('writes files as bolt does: no line break after the opening tag, no trailing blank lines, one final newline', () => {
    const answer = '<boltArtifact id="e" title="E"><boltAction type="file" filePath="bin/www">\n#!/usr/bin/env node\n\n  var app = 1;\n\n\n  </boltAction><boltAction type="file" filePath="a.txt">\n\n    indented\r\n</boltAction><boltAction type="file" filePath="empty">\n \n</boltAction></boltArtifact>';
    for (const chunk of [1, 2, 3, 7, answer.length]) {
      const { actions } = actionsOf(answer, chunk);
      expect(actions.map((a) => (a as { content: string }).content)).toEqual(['#!/usr/bin/env node\n\n  var app = 1;\n', '    indented\n', '']);
    }
  });

  it('streams file content as it arrives, holding back only possible leading or trailing white space', () => {
    const parser = new StreamingArtifactParser();
    const deltas = (events: ParserEvent[]) => events.filter((e) => e.type === 'file-delta').map((e) => (e as { text: string }).text).join('');
    expect(deltas(parser.push('<boltArtifact id="a" title="A"><boltAction type="file" filePath="x.js">\n'))).toBe('');
    expect(deltas(parser.push('#!/usr/bin/env node\n'))).toBe('#!/usr/bin/env node');
    expect(deltas(parser.push('const a'))).toBe('\nconst a');
    expect(deltas(parser.push(' = 1;\n\n'))).toBe(' = 1;');
    expect(deltas(parser.push('</boltAction>'))).toBe('\n');
  });

  it('ignores input after end() and a second end()', () => {
    const parser = new StreamingArtifactParser();
    expect(parser.push('hello <')).toEqual([{ type: 'text', text: 'hello ' }]);
    expect(parser.end()).toEqual([{ type: 'text', text: '<' }]);
    expect(parser.push('more')).toEqual([]);
    expect(parser.end()).toEqual([]);
  });

  it('does work linear in the input: a 512K-character file scans each character a bounded number of times', () => {
    const ratios: number[] = [];
    for (const size of [128 * 1024, 512 * 1024]) {
      const line = 'const value = a < b ? "<div>" : `</span>`; // <bolt not a tag\n';
      const content = line.repeat(Math.ceil(size / line.length)).slice(0, size - 1) + '\n';
      const text = `Intro\n<boltArtifact id="big" title="Big"><boltAction type="file" filePath="big.js">${content}</boltAction></boltArtifact>`;
      const { events, charsScanned } = parseAnswer(text, 16);
      const file = summarizeEvents(events).actions[0] as { content: string };
      expect(file.content.length).toBe(size);
      ratios.push(charsScanned / text.length);
    }
    // Each character is looked at a small constant number of times, whatever the size.
    for (const ratio of ratios) expect(ratio).toBeLessThan(3);
    expect(Math.abs(ratios[0] - ratios[1])).toBeLessThan(0.05);
  });
});
