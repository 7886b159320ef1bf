import type { UIMessage } from 'ai';
import { describe, expect, it } from 'vitest';
import { buildProjectContext, compactHistory, contextPrompt } from './project-context';

const project: Record<string, string> = {
  'package.json': '{"name":"shop"}',
  'src/App.jsx': 'import Header from "./components/Header";\nexport default function App() { return <Header />; }',
  'src/components/Header.jsx': 'export default function Header() { return <h1>Shop</h1>; }',
  'src/components/Cart.jsx': 'export function Cart() { return <ul className="basket" />; }',
  'src/utils/money.js': 'export const format = (n) => n.toFixed(2);',
  'docs/notes.md': 'x'.repeat(5000),
};

describe('the project context of a follow-up', () => {
  it('lists every file, and shows the edited ones, the ones the request names, and the ones it is about, within the budget', () => {
    const context = buildProjectContext({ files: project, request: 'Make the Header bigger and show the basket total', edited: ['src/utils/money.js'] });
    expect(context.files).toHaveLength(6);
    expect(context.files.find((f) => f.path === 'docs/notes.md')).toEqual({ path: 'docs/notes.md', size: 5000 });
    expect(Object.keys(context.contents)).toEqual(['src/utils/money.js', 'src/components/Header.jsx', 'src/App.jsx', 'src/components/Cart.jsx', 'package.json']);
    expect(context.contents).not.toHaveProperty('docs/notes.md');
    expect(context.edited).toEqual(['src/utils/money.js']);

    const small = buildProjectContext({ files: project, request: 'Make the Header bigger', edited: [], budget: 60 });
    expect(Object.keys(small.contents)).toEqual(['src/components/Header.jsx']);
  });

  it('puts placeholders for the files of earlier answers, keeping their prose and commands', () => {
    const answer: UIMessage = {
      id: 'a1',
      role: 'assistant',
      parts: [{ type: 'text', text: 'Here. <boltArtifact id="s" title="S"><boltAction type="file" filePath="a.js">const a = 1;\n</boltAction><boltAction type="shell">npm test</boltAction></boltArtifact> Done.' }],
    };
    const user: UIMessage = { id: 'u1', role: 'user', parts: [{ type: 'text', text: 'keep <boltAction type="file" filePath="x">this</boltAction>' }] };
    const [compactUser, compactAnswer] = compactHistory([user, answer]);
    expect(compactUser).toBe(user);
    expect(compactAnswer.parts[0]).toEqual({ type: 'text', text: 'Here. <boltArtifact id="s" title="S"><boltAction type="file" filePath="a.js">[13 characters, omitted: see the project files]</boltAction><boltAction type="shell">npm test</boltAction></boltArtifact> Done.' });
  });

  it("puts placeholders for the files an earlier agent answer wrote and read, but not in the answer it is working on", () => {
    const agentAnswer = (id: string): UIMessage => ({
      id,
      role: 'assistant',
      parts: [
        { type: 'tool-write_file', toolCallId: `${id}w`, state: 'output-available', input: { path: 'a.js', content: 'const a = 1;\n' }, output: { path: 'a.js' } },
        { type: 'tool-read_file', toolCallId: `${id}r`, state: 'output-available', input: { path: 'b.js' }, output: { path: 'b.js', content: 'const b = 2;', lines: '1-1 of 1' } },
        { type: 'tool-run_command', toolCallId: `${id}c`, state: 'output-available', input: { command: 'npm test' }, output: { exitCode: 0, output: 'ok' } },
      ],
    });
    const user = (id: string): UIMessage => ({ id, role: 'user', parts: [{ type: 'text', text: 'go' }] });
    const [, earlier, , current] = compactHistory([user('u1'), agentAnswer('a1'), user('u2'), agentAnswer('a2')]);
    expect(earlier.parts[0]).toMatchObject({ input: { path: 'a.js', content: '[13 characters, omitted: see the project files]' } });
    expect(earlier.parts[1]).toMatchObject({ output: { path: 'b.js', content: '[12 characters, omitted: see the project files]', lines: '1-1 of 1' } });
    expect(earlier.parts[2]).toMatchObject({ output: { exitCode: 0, output: 'ok' } });
    expect(current).toEqual(agentAnswer('a2'));
  });

  it('reads as a summary for the model, and is nothing for a project without files', () => {
    const text = contextPrompt(buildProjectContext({ files: project, request: 'the Header', edited: ['package.json'] }));
    expect(text).toMatch(/^The project now has these files \(path: characters\):\ndocs\/notes\.md: 5000\n/);
    expect(text).toContain('The user edited these files in the editor since your last answer: package.json.');
    expect(text).toContain('src/components/Header.jsx:\n```\nexport default function Header()');
    expect(text).toMatch(/never write a placeholder yourself/);
    expect(contextPrompt(buildProjectContext({ files: {}, request: 'anything', edited: [] }))).toBe('');
  });

  it('tells the model which files are locked and what happened since its last answer (a restore, refused writes)', () => {
    const notes = ['The user restored the project to version 2 (Add a header): the files are as they were then.', 'Your last answer wrote files the user locked; they were not changed: package.json.'];
    const context = buildProjectContext({ files: project, request: 'x', edited: [], locked: ['package.json', 'gone.txt'], notes });
    expect(context.locked).toEqual(['package.json']);
    const text = contextPrompt(context);
    for (const note of notes) expect(text).toContain(note);
    expect(text).toContain('The user locked these files: never write or edit them (such writes are refused). Work around them: package.json.');
    expect(buildProjectContext({ files: project, request: 'x', edited: [] })).not.toHaveProperty('notes');
  });
});
