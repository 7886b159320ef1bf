// npm run bench:parser — throughput of the streaming artifact parser, and whether its time grows
// linearly with the size of the file being streamed.
//   1. A 1 MiB mixed answer (several artifacts, ~200 file and shell actions, prose with stray `<`)
//      fed in 16-character chunks.
//   2. One artifact holding a single file of 128K, 256K and 512K characters, in 16-character chunks:
//      characters per second, and time / size relative to the smallest (linear ≈ 1.0).
import os from 'node:os';
import { StreamingArtifactParser } from '../app/lib/artifact/artifact-parser';

const RUNS = Number(process.env.RUNS ?? 7);
const CHUNK = 16;

function mixedAnswer(targetChars: number): { text: string; actions: number } {
  let text = '';
  let actions = 0;
  for (let a = 0; text.length < targetChars; a++) {
    text += `Step ${a}: if a < b && c > d then <b>bold</b> and 1<2.\n\n<boltArtifact id="part-${a}" title="Part ${a}">\n`;
    for (let i = 0; i < 12 && text.length < targetChars; i++) {
      const body = `export function f${i}(a, b) {\n  return a < b ? \`<div>\${a}</div>\` : '</span>';\n}\n`.repeat(85);
      text += `<boltAction type="file" filePath="src/part${a}/file${i}.js">${body}</boltAction>\n`;
      actions++;
      if (i % 4 === 3) {
        text += `<boltAction type="shell">npm run build -- --part ${a}</boltAction>\n`;
        actions++;
      }
    }
    text += '</boltArtifact>\n\n';
  }
  return { text, actions };
}

function singleFile(size: number): string {
  const line = 'const value = a < b ? "<div>" : `</span>`; // <bolt is not a tag\n';
  const content = line.repeat(Math.ceil(size / line.length)).slice(0, size);
  return `Here it is.\n<boltArtifact id="big" title="Big"><boltAction type="file" filePath="big.js">${content}</boltAction></boltArtifact>\n`;
}

/** Median milliseconds to feed `text` in CHUNK-character pieces. */
function time(text: string): number {
  const samples: number[] = [];
  for (let run = 0; run < RUNS; run++) {
    const parser = new StreamingArtifactParser();
    const started = process.hrtime.bigint();
    for (let i = 0; i < text.length; i += CHUNK) parser.push(text.slice(i, i + CHUNK));
    parser.end();
    samples.push(Number(process.hrtime.bigint() - started) / 1e6);
  }
  return samples.sort((a, b) => a - b)[Math.floor(samples.length / 2)];
}

const mixed = mixedAnswer(1024 * 1024);
time(mixed.text); // warm up
const mixedMs = time(mixed.text);
console.log(`bench:parser — ${RUNS} runs each, median, ${CHUNK}-char chunks; ${os.cpus()[0]?.model ?? 'cpu'} (${os.cpus().length} cores), Node ${process.version}`);
console.log(`mixed 1 MiB answer (${mixed.actions} actions): ${mixedMs.toFixed(1)} ms, ${((mixed.text.length / mixedMs) * 1000 / 1e6).toFixed(1)} M chars/s`);
const sizes = [128 * 1024, 256 * 1024, 512 * 1024];
const perChar: number[] = [];
for (const size of sizes) {
  const text = singleFile(size);
  const ms = time(text);
  perChar.push(ms / text.length);
  console.log(`single ${size / 1024}K file: ${ms.toFixed(1)} ms, ${((text.length / ms) * 1000 / 1e6).toFixed(1)} M chars/s, time/size vs 128K: ${(perChar.at(-1)! / perChar[0]).toFixed(2)}`);
}
