// npm run bench:context — what a follow-up sends the model for a 50-file project.
// A conversation: the first answer writes 50 files (~2 KB each); each follow-up asks to change
// one component, and the answer rewrites that file. For turns 2–6 the same request is sent to
// /api/chat twice: as the history alone, every earlier answer with all its files (before), and as
// the history with file contents replaced by placeholders plus the project context (after: file
// list with sizes, the relevant files, the user's edits). Measured: the bytes of the messages the
// model server received (the loopback fake records them), and tokens estimated at 4 characters
// a token (the fake does not tokenize).
import os from 'node:os';
import type { UIMessage } from 'ai';
import { buildProjectContext, compactHistory } from '../app/lib/llm/project-context';
import { FakeOpenAI } from '../tests/fakes/fake-openai';
import { ApiClient, startApp, TEST_KEY } from '../tests/support/app-server';

const FILES = 50;
const TURNS = 6;

function component(i: number, version: number) {
  return `import { useState } from 'react';\n\n// Widget ${i}, version ${version}.\nexport default function Widget${i}() {\n  const [count, setCount] = useState(0);\n${'  // '.concat('lorem ipsum dolor sit amet consectetur adipiscing elit sed do eiusmod\n').repeat(24)}  return <button onClick={() => setCount(count + 1)}>Widget ${i}: {count}</button>;\n}\n`;
}

const file = (path: string, content: string) => `<boltAction type="file" filePath="${path}">${content}</boltAction>`;
const text = (id: string, role: 'user' | 'assistant', value: string): UIMessage => ({ id, role, parts: [{ type: 'text', text: value }] });

async function main() {
  const fake = new FakeOpenAI();
  const app = await startApp({ OPENROUTER_BASE_URL: await fake.start(), OPENROUTER_API_KEY: TEST_KEY, DEFAULT_MODEL: 'fake/coder', CHAT_RATE_PER_MINUTE: '1000', CHAT_RATE_PER_MINUTE_PER_IP: '1000', CHAT_MAX_BODY_BYTES: '50000000' });
  try {
    const files: Record<string, string> = { 'package.json': '{"name":"widgets","scripts":{"dev":"vite"}}' };
    for (let i = 0; i < FILES - 1; i++) files[`src/widgets/Widget${i}.jsx`] = component(i, 1);
    const messages: UIMessage[] = [text('u1', 'user', 'Build a page with 49 counter widgets'), text('a1', 'assistant', `Here. <boltArtifact id="w" title="Widgets">${Object.entries(files).map(([p, c]) => file(p, c)).join('')}<boltAction type="start">npm run dev</boltAction></boltArtifact>`)];
    const client = new ApiClient(app.url);
    const sent = async (body: object) => {
      fake.reset();
      fake.script({ reply: 'ok' });
      const response = await client.request('POST', '/api/chat', { model: 'fake/coder', ...body });
      await response.text();
      if (response.status !== 200) throw new Error(`HTTP ${response.status}`);
      return JSON.stringify(fake.requests[0].messages).length;
    };
    const rows: Array<{ turn: number; before: number; after: number }> = [];
    for (let turn = 2; turn <= TURNS; turn++) {
      const target = turn * 7;
      const request = `Make Widget${target} count by two`;
      messages.push(text(`u${turn}`, 'user', request));
      const before = await sent({ messages });
      const after = await sent({ messages: compactHistory(messages), context: buildProjectContext({ files, request, edited: [] }) });
      rows.push({ turn, before, after });
      files[`src/widgets/Widget${target}.jsx`] = component(target, turn);
      messages.push(text(`a${turn}`, 'assistant', `Done. <boltArtifact id="w${turn}" title="Widget ${target}">${file(`src/widgets/Widget${target}.jsx`, files[`src/widgets/Widget${target}.jsx`])}</boltArtifact>`));
    }
    const tokens = (chars: number) => Math.round(chars / 4).toLocaleString('en-US');
    console.log(`bench:context — ${FILES}-file project (${JSON.stringify(files).length.toLocaleString('en-US')} characters), one component changed per turn; ${os.cpus().length} cores, Node ${process.version}`);
    console.log('turn | before: bytes (≈ tokens) | after: bytes (≈ tokens) | after / before');
    for (const row of rows) console.log(`${row.turn} | ${row.before.toLocaleString('en-US')} (${tokens(row.before)}) | ${row.after.toLocaleString('en-US')} (${tokens(row.after)}) | ${((100 * row.after) / row.before).toFixed(1)} %`);
  } finally {
    await app.stop();
    await fake.stop();
  }
}

await main();
