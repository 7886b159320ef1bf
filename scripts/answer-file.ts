import { readFileSync } from 'node:fs';

/** Reads the model answer named on the command line, or explains the usage and exits with 2. */
export function readAnswerFile(file: string | undefined, usage: string): string {
  if (!file) {
    console.error(`usage: ${usage}`);
    process.exit(2);
  }
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    console.error(`cannot read ${file}: ${(error as Error).message}`);
    process.exit(2);
  }
}
