import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { StreamingArtifactParser, summarizeEvents, type ParserEvent } from './artifact-parser';

// `npm run fuzz` raises this to 100,000 cases per property.
const RUNS = Number(process.env.FUZZ_RUNS ?? 300);

const fixture = readFileSync(new URL('../../../tests/fixtures/answers/todo-app.txt', import.meta.url), 'utf8');

/** Pieces that make answers interesting to a parser: tags, partial tags, quotes, stray brackets. */
const piece = fc.oneof(
  fc.constantFrom('<boltArtifact id="a" title="T">', '</boltArtifact>', '<boltAction type="file" filePath="src/x.js">', '<boltAction type="shell">', '<boltAction type="start">', '</boltAction>'),
  fc.constantFrom('<', '>', '"', "'", '</', '<bolt', '<boltAction', '</boltAct', '<boltArtifact', 'filePath="../up"', ' type="file"', '\n', '&amp;'),
  fc.string({ maxLength: 12 }),
);
const answer = fc.array(piece, { maxLength: 60 }).map((parts) => parts.join(''));

function feed(text: string, cuts: number[]) {
  const parser = new StreamingArtifactParser();
  const events: ParserEvent[] = [];
  let last = 0;
  for (const cut of [...new Set(cuts.map((c) => c % (text.length + 1)))].sort((a, b) => a - b)) {
    events.push(...parser.push(text.slice(last, cut)));
    last = cut;
  }
  events.push(...parser.push(text.slice(last)), ...parser.end());
  return { summary: summarizeEvents(events), events, scanned: parser.charsScanned };
}

const proseOf = (events: ParserEvent[]) => events.filter((e) => e.type === 'text').map((e) => (e as { text: string }).text).join('');

describe('StreamingArtifactParser properties', () => {
  it('gives the same artifacts, actions and prose for any chunking', () => {
    fc.assert(
      fc.property(answer, fc.array(fc.nat(), { maxLength: 30 }), (text, cuts) => {
        const whole = feed(text, []);
        const chunked = feed(text, cuts);
        expect(chunked.summary).toEqual(whole.summary);
        expect(proseOf(chunked.events)).toBe(proseOf(whole.events));
      }),
      { numRuns: RUNS },
    );
  });

  it('never throws on arbitrary text, including mutations of a real answer', () => {
    const mutated = fc
      .array(fc.tuple(fc.nat(), fc.nat({ max: 8 }), fc.string({ maxLength: 6 })), { maxLength: 12 })
      .map((edits) => edits.reduce((text, [at, remove, insert]) => text.slice(0, at % (text.length + 1)) + insert + text.slice((at % (text.length + 1)) + remove), fixture));
    fc.assert(
      fc.property(fc.oneof(fc.string({ unit: 'grapheme', maxLength: 300 }), mutated, answer), fc.array(fc.nat(), { maxLength: 20 }), (text, cuts) => {
        expect(() => feed(text, cuts)).not.toThrow();
      }),
      { numRuns: RUNS },
    );
  });

  it('does bounded work per input character', () => {
    fc.assert(
      fc.property(answer, fc.array(fc.nat(), { maxLength: 30 }), (text, cuts) => {
        // Each character is examined a small constant number of times (plus at most a tag-sized tail per push).
        expect(feed(text, cuts).scanned).toBeLessThanOrEqual(4 * text.length + 64 * (cuts.length + 1));
      }),
      { numRuns: RUNS },
    );
  });
});
