import { describe, expect, it } from 'vitest';
import { withoutStreamMarkers } from './daytona-command-logs.server';

describe("Daytona's polled command log", () => {
  it('loses the stdout and stderr marker of every line', () => {
    const raw = '\x01\x01\x01npm warn deprecated\n\x02\x02\x02error: boom\n\x01\x01\x01done\n';
    expect(withoutStreamMarkers(raw)).toEqual({ text: 'npm warn deprecated\nerror: boom\ndone\n', consumed: raw.length });
  });

  it('keeps a marker cut at the end of a poll for the next one', () => {
    const first = withoutStreamMarkers('\x01\x01\x01one\n\x02\x02');
    expect(first).toEqual({ text: 'one\n', consumed: 7 });
    const raw = '\x01\x01\x01one\n\x02\x02\x02two\n';
    expect(withoutStreamMarkers(raw.slice(first.consumed)).text).toBe('two\n');
  });
});
