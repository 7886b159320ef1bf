// Usage: npm run -s route -- FILE [--prompt TEXT]
// Reads a model answer in the artifact format and prints where the project would run:
// {"target":"browser"|"cloud","reasons":[…]}.
import { readAnswerFile } from './answer-file';
import { parseAnswer } from '../app/lib/artifact/artifact-parser';
import { classify } from '../app/lib/routing/router';
import { routeInputFromEvents } from '../app/lib/routing/route-input';

const args = process.argv.slice(2);
let prompt: string | undefined;
let file: string | undefined;
for (let i = 0; i < args.length; i++) {
  if (args[i] === '--prompt') prompt = args[++i];
  else file ??= args[i];
}
const text = readAnswerFile(file, 'npm run -s route -- FILE [--prompt TEXT]');
const { target, reasons } = classify({ prompt, ...routeInputFromEvents(parseAnswer(text).events) });
process.stdout.write(JSON.stringify({ target, reasons }) + '\n');
