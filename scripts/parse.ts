// Usage: npm run -s parse -- FILE [--chunk N]
// Feeds a model answer to the streaming artifact parser in N-character chunks and prints the
// artifacts and actions it found as JSON. Exits 0 on any input; a missing file is the only error.
import { readAnswerFile } from './answer-file';
import { parseAnswer, summarizeEvents } from '../app/lib/artifact/artifact-parser';

const args = process.argv.slice(2);
let chunk = 16;
let file: string | undefined;
for (let i = 0; i < args.length; i++) {
  if (args[i] === '--chunk') chunk = Number(args[++i]);
  else if (args[i].startsWith('--chunk=')) chunk = Number(args[i].slice('--chunk='.length));
  else file ??= args[i];
}
if (!Number.isFinite(chunk) || chunk < 1) {
  console.error(`--chunk must be a positive number, got ${chunk}`);
  process.exit(2);
}
const text = readAnswerFile(file, 'npm run -s parse -- FILE [--chunk N]');
const { events } = parseAnswer(text, chunk);
process.stdout.write(JSON.stringify(summarizeEvents(events)) + '\n');
