// Usage: npm run -s route -- FILE [--prompt TEXT] [--offline]
// Reads a model answer in the artifact format and prints where the project would run:
// {"target":"browser"|"cloud","reasons":[…]}. Dependencies are judged from the npm registry's
// manifests as in the app (NPM_REGISTRY_URL, else npm's registry setting); --offline: lists only.
import { readAnswerFile } from './answer-file';
import { parseAnswer } from '../app/lib/artifact/artifact-parser';
import type { PackageVerdict } from '../app/lib/routing/package-facts';
import { RegistryLookup } from '../app/lib/routing/registry-lookup.server';
import { classify, dependenciesToLookUp } from '../app/lib/routing/router';
import { routeInputFromEvents } from '../app/lib/routing/route-input';

const args = process.argv.slice(2);
let prompt: string | undefined;
let file: string | undefined;
let offline = false;
for (let i = 0; i < args.length; i++) {
  if (args[i] === '--prompt') prompt = args[++i];
  else if (args[i] === '--offline') offline = true;
  else file ??= args[i];
}
const text = readAnswerFile(file, 'npm run -s route -- FILE [--prompt TEXT] [--offline]');
const input = routeInputFromEvents(parseAnswer(text).events);
const packages: Record<string, PackageVerdict> = {};
const names = dependenciesToLookUp(input.files['package.json']);
if (!offline && names.length > 0) {
  const registryUrl = process.env.NPM_REGISTRY_URL || process.env.npm_config_registry || 'https://registry.npmjs.org';
  const found = await new RegistryLookup({ registryUrl }).lookup(names);
  for (const [name, verdict] of Object.entries(found)) if (verdict) packages[name] = verdict;
}
const { target, reasons } = classify({ prompt, ...input, packages });
process.stdout.write(JSON.stringify({ target, reasons }) + '\n');
