import { describe, expect, it } from 'vitest';
import { StreamingArtifactParser, type ParsedAction } from '../artifact/artifact-parser';
import { TEMPLATES, templateAnswer } from './templates';

describe('starter templates', () => {
  it.each(TEMPLATES.map((t) => [t.id, t] as const))('%s: its answer parses to exactly its files, then install and start', (_id, template) => {
    const parser = new StreamingArtifactParser();
    const events = [...parser.push(templateAnswer(template)), ...parser.end()];
    const actions = events.flatMap((e) => (e.type === 'action-close' && e.complete && e.action ? [e.action] : []));
    expect(events.some((e) => (e.type === 'action-open' || e.type === 'action-close') && e.error)).toBe(false);
    const files = Object.fromEntries(actions.filter((a): a is Extract<ParsedAction, { type: 'file' }> => a.type === 'file').map((a) => [a.filePath, a.content]));
    expect(files).toEqual(template.files);
    expect(actions.filter((a) => a.type !== 'file')).toEqual([...(template.install ? [{ type: 'shell', command: template.install }] : []), { type: 'start', command: template.start }]);
  });

  it('covers the four kinds a new user starts from', () => {
    expect(TEMPLATES.map((t) => t.id)).toEqual(['vite-react', 'static', 'express-api', 'python-http']);
  });
});
