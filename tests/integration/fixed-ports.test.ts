// The suite's fixed ports must stay out of Linux's ephemeral range (32768–60999): the kernel hands
// those to any outgoing connection and to `freePort()`, and a fixed port there once collided with
// one mid-run (EADDRINUSE in CI). Each file keeps a range of its own, so files never share one.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = new URL('../..', import.meta.url).pathname;
const EPHEMERAL = { low: 32768, high: 60999 };

// Where a literal number is a port: fakes' start(n), provider port bases, PORT constants and env, harness bases.
const PORT_LITERALS = [/\.start\((\d{4,5})\)/g, /portBase: (\d{4,5})/g, /_PORT(?:_BASE)? = (\d{4,5})/g, /\bPORT = (\d{4,5})/g, /PORT: '(\d{4,5})'/g, /(?:Harness|World)\((\d{4,5})\)/g];

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sources(path);
    return /\.tsx?$/.test(name) ? [path] : [];
  });
}

function fixedPorts() {
  const found: { file: string; port: number }[] = [];
  for (const file of [...sources(join(ROOT, 'tests')), ...sources(join(ROOT, 'bench'))]) {
    if (file === new URL(import.meta.url).pathname) continue;
    const text = readFileSync(file, 'utf8');
    for (const pattern of PORT_LITERALS) for (const match of text.matchAll(pattern)) found.push({ file: relative(ROOT, file), port: Number(match[1]) });
  }
  return found;
}

describe('fixed ports in tests and benchmarks', () => {
  const ports = fixedPorts();

  it('finds the ones the suite uses', () => {
    // The patterns still match how files write ports (a rename would silently empty this check).
    expect(ports.length).toBeGreaterThan(20);
  });

  it('are all below the kernel ephemeral range', () => {
    const inside = ports.filter(({ port }) => port >= EPHEMERAL.low && port <= EPHEMERAL.high);
    expect(inside).toEqual([]);
  });

  it('are not shared between files', () => {
    const owner = new Map<number, string>();
    const shared = ports.filter(({ file, port }) => {
      const first = owner.get(port);
      if (first === undefined) owner.set(port, file);
      return first !== undefined && first !== file;
    });
    expect(shared).toEqual([]);
  });
});
