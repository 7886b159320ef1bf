import { describe, expect, it } from 'vitest';
import type { PreviewPick } from './element-picker';
import { PreviewPicks, picksOf, picksPart, requestText, sourceLine } from './preview-picks';

const APP = `import { useState } from 'react';

export default function App() {
  const [count, setCount] = useState(0);
  return (
    <main>
      <h1>{TITLE}</h1>
      <button className="reset" onClick={() => setCount(0)}>reset</button>
      <button className="counter" onClick={() => setCount(count + 1)}>count is {count}</button>
    </main>
  );
}
`;

const pick = (over: Partial<PreviewPick> = {}): PreviewPick => ({
  tag: 'button',
  selector: 'button.counter',
  text: 'count is 0',
  box: { x: 0, y: 0, width: 80, height: 30 },
  html: '<button class="counter">count is 0</button>',
  page: '/',
  source: { file: '/home/user/project/src/App.tsx', line: 27, column: 7, via: 'react' },
  ...over,
});

describe('the line a pick comes from', () => {
  it('keeps a reported line that opens the tag', () => {
    expect(sourceLine({ file: 'src/App.tsx', line: 9, via: 'react' }, pick(), APP)).toEqual({ file: 'src/App.tsx', line: 9, via: 'react' });
  });

  it('finds the line that writes the element when the dev server shifted the reported one (by class, then text)', () => {
    expect(sourceLine({ file: 'src/App.tsx', line: 27, column: 7, via: 'react' }, pick(), APP)).toEqual({ file: 'src/App.tsx', line: 9, column: 7, via: 'react' });
    const reset = pick({ selector: 'button.reset', text: 'reset', html: '<button class="reset">reset</button>' });
    expect(sourceLine({ file: 'src/App.tsx', line: 30, via: 'react' }, reset, APP).line).toBe(8);
  });

  it('leaves the source as reported when the file is not known or never writes the tag', () => {
    const source = { file: 'src/App.tsx', line: 27, via: 'react' as const };
    expect(sourceLine(source, pick(), undefined)).toBe(source);
    expect(sourceLine(source, pick({ tag: 'canvas' }), APP)).toBe(source);
  });
});

describe('picks waiting for the next message', () => {
  it('resolves the file against the project, keeps one pick per element, and leaves with the message', () => {
    const picks = new PreviewPicks();
    picks.add(pick(), { 'src/App.tsx': APP, 'package.json': '{}' });
    picks.add(pick({ text: 'count is 3' }), { 'src/App.tsx': APP });
    expect(picks.picks.get()).toHaveLength(1);
    expect(picks.picks.get()[0]).toMatchObject({ text: 'count is 3', source: { file: 'src/App.tsx', line: 9 } });
    picks.add(pick({ selector: 'h1', tag: 'h1', html: '<h1>Vite counter</h1>', text: 'Vite counter', source: undefined }), {});
    const taken = picks.take();
    expect(taken.map((p) => p.selector)).toEqual(['button.counter', 'h1']);
    expect(picks.picks.get()).toEqual([]);

    const message = { id: 'u', role: 'user' as const, parts: [picksPart(taken), { type: 'text' as const, text: 'make this green' }] };
    expect(picksOf(message)).toEqual(taken);
    // The request the files are chosen by names the picked element's file.
    expect(requestText(message, 'make this green')).toContain('src/App.tsx button.counter');
  });
});
