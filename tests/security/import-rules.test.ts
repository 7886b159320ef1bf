// Attacks on zip and folder import (issue 20, item 7): names and bytes that the import used to
// accept, rewrite or drop silently. The import must follow the sandbox API's own path rule, keep
// every byte it takes as it was, and list every entry it leaves out.
import { strToU8 } from 'fflate';
import { describe, expect, it } from 'vitest';
import { projectFromFiles, projectFromZip, type IncomingFile } from '~/lib/projects/archive';
import { writeFilesRequest } from '~/lib/sandbox/sandbox-api';
import { forgeZip, SYMLINK_ATTRS } from '../helpers/zip-forge';

const INDEX = { name: 'index.html', content: '<h1>kept</h1>\n' };

/** What the cloud start sends: every imported file in one sandbox API batch. */
function sandboxAccepts(files: Record<string, string>) {
  const parsed = writeFilesRequest.safeParse({ files: Object.entries(files).map(([path, content]) => ({ path, content })) });
  return parsed.success ? 'accepted' : parsed.error.issues.map((issue) => issue.message).join('; ');
}

describe('zip import follows the sandbox API path rule', () => {
  it('lists a 5,000-character path and a 300-character name as left out, so the cloud start is not refused', async () => {
    const longPath = `${Array.from({ length: 50 }, (_, i) => `folder-${String(i).padStart(2, '0')}-${'d'.repeat(90)}`).join('/')}/deep.txt`;
    const longName = `${'n'.repeat(300)}.txt`;
    expect(longPath.length).toBeGreaterThan(5000);
    const { files, skipped } = await projectFromZip(forgeZip([INDEX, { name: longPath, content: 'deep\n' }, { name: longName, content: 'long\n' }]));
    expect(sandboxAccepts(files)).toBe('accepted');
    expect(Object.keys(files)).toEqual(['index.html']);
    expect(skipped).toHaveLength(2);
    expect(skipped[0]).toMatch(/^folder-00-d+…: the path is 5,\d{3} characters long; the sandbox takes at most 1,000$/);
    expect(skipped[1]).toMatch(/^n+…: a name in the path is 304 bytes long; the sandbox takes at most 255$/);
    // The note stays readable: a line shows the start of a long path, not all of it.
    for (const line of skipped) expect(line.length).toBeLessThan(200);
  });

  it('refuses a backslash in a name instead of turning it into a folder', async () => {
    const { files, skipped } = await projectFromZip(forgeZip([INDEX, { name: 'back\\slash.txt', content: 'b\n', os: 3 }]));
    expect(files).toEqual({ 'index.html': INDEX.content });
    expect(skipped).toEqual(['back\\slash.txt: the name holds a backslash (\\), which the sandbox does not take in file names']);
  });

  it('says so when an old Windows zip tool used backslashes as folder separators', async () => {
    const { files, skipped } = await projectFromZip(forgeZip([INDEX, { name: 'src\\App.jsx', content: 'x\n', os: 0 }]));
    expect(files).toEqual({ 'index.html': INDEX.content });
    expect(skipped).toEqual(['src\\App.jsx: the name holds a backslash (\\), which this archive uses as a folder separator, as old Windows zip tools did; make the zip again with a current tool']);
  });
});

describe('zip import keeps bytes as they are', () => {
  it('lists a Latin-1 file as not a text file instead of rewriting its bytes', async () => {
    const latin1 = new Uint8Array([...strToU8('caf'), 0xe9, 0x0a]);
    const { files, skipped } = await projectFromZip(forgeZip([INDEX, { name: 'menu.txt', content: latin1 }]));
    expect(files).toEqual({ 'index.html': INDEX.content });
    expect(skipped).toEqual(['menu.txt: not a text file (its bytes are not UTF-8)']);
  });

  it('keeps a UTF-8 byte order mark, so an untouched file is written back byte for byte', async () => {
    const withBom = new Uint8Array([0xef, 0xbb, 0xbf, ...strToU8('a,b\n')]);
    const { files } = await projectFromZip(forgeZip([{ name: 'data.csv', content: withBom }]));
    expect(strToU8(files['data.csv'])).toEqual(withBom);
  });
});

describe('zip and folder import list what they leave out', () => {
  it('lists a symbolic link instead of importing its target path as a file', async () => {
    const { files, skipped } = await projectFromZip(forgeZip([INDEX, { name: 'secrets', content: '/etc/shadow', os: 3, attrs: SYMLINK_ATTRS }]));
    expect(files).toEqual({ 'index.html': INDEX.content });
    expect(skipped).toEqual(['secrets: a symbolic link: not imported']);
  });

  it('lists an entry a repository marks as a symbolic link', async () => {
    const incoming: IncomingFile[] = [
      { path: 'index.html', size: 14, read: async () => strToU8(INDEX.content) },
      { path: 'docs', size: 8, read: async () => strToU8('../../..'), symlink: true },
    ];
    const { files, skipped } = await projectFromFiles(incoming, { keepTopFolder: true });
    expect(files).toEqual({ 'index.html': INDEX.content });
    expect(skipped).toEqual(['docs: a symbolic link: not imported']);
  });

  it('lists __proto__ and constructor, and builds the result without a prototype to pollute', async () => {
    const zip = forgeZip([INDEX, { name: '__proto__', content: '{"polluted": true}' }, { name: 'constructor', content: 'c' }]);
    const { files, skipped } = await projectFromZip(zip);
    expect(Object.getPrototypeOf(files)).toBeNull();
    expect(Object.keys(files)).toEqual(['index.html']);
    expect(skipped).toEqual([
      '__proto__: the name "__proto__" is reserved in the app; rename the file',
      'constructor: the name "constructor" is reserved in the app; rename the file',
    ]);
  });
});
