import { strToU8, zipSync, ZipPassThrough, Zip } from 'fflate';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { forgeZip } from '../../../tests/helpers/zip-forge';
import { ArchiveRefusedError, IMPORT_LIMITS, projectFromZip, zipProject } from './archive';

/** Where `name`'s central directory header starts (its flags at +8). */
function centralHeaderOf(zip: Uint8Array, name: string) {
  const view = new DataView(zip.buffer, zip.byteOffset, zip.byteLength);
  const wanted = strToU8(name);
  for (let at = zip.length - 46; at >= 0; at--) {
    if (view.getUint32(at, true) !== 0x02014b50 || view.getUint16(at + 28, true) !== wanted.length) continue;
    if (zip.subarray(at + 46, at + 46 + wanted.length).every((byte, i) => byte === wanted[i])) return at;
  }
  throw new Error(`no central header for ${name}`);
}

/** A stored (not deflated) entry, as `zip -0` writes it. */
function storedZip(name: string, content: string) {
  const chunks: Uint8Array[] = [];
  const zip = new Zip((error, chunk) => chunks.push(chunk));
  const entry = new ZipPassThrough(name);
  zip.add(entry);
  entry.push(strToU8(content), true);
  zip.end();
  return new Uint8Array(chunks.flatMap((chunk) => [...chunk]));
}

/** Text that deflates about as well as source code (a few times, never a hundred): random words from a small vocabulary. */
function sourceLike(length: number) {
  const words = ['const', 'let', 'return', 'function', 'if', 'else', '=', '(', ')', '{', '}', ';\n', 'value', 'index', 'items', 'map', 'filter', '42', '"text"', '=>'];
  let x = 2463534242;
  const out: string[] = [];
  for (let size = 0; size < length; ) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    const word = words[(x >>> 0) % words.length];
    out.push(word);
    size += word.length + 1;
  }
  return out.join(' ').slice(0, length);
}

afterEach(() => vi.restoreAllMocks());

describe('project archives', () => {
  it('round-trips a project through a zip', async () => {
    const files = { 'package.json': '{ "name": "x" }\n', 'src/App.jsx': 'export default () => <h1>é ✓</h1>;\n', 'README.md': '# x\n' };
    const blob = await zipProject(files);
    expect(blob.type).toBe('application/zip');
    const back = await projectFromZip(new Uint8Array(await blob.arrayBuffer()));
    expect(back).toEqual({ files, skipped: [] });
  });

  it('takes off a single top folder, skips what install rebuilds, binaries, escapes and files over the cap', async () => {
    const zip = zipSync({
      'my-app/package.json': strToU8('{}'),
      'my-app/src/a.js': strToU8('a'),
      'my-app/node_modules/x/index.js': strToU8('x'),
      'my-app/logo.png': new Uint8Array([137, 80, 78, 71, 0, 1]),
      'my-app/../../etc/cron.js': strToU8('evil'),
      'my-app/big.txt': strToU8('y'.repeat(IMPORT_LIMITS.fileBytes + 1)),
    });
    const { files, skipped } = await projectFromZip(zip);
    expect(files).toEqual({ 'package.json': '{}', 'src/a.js': 'a' });
    expect(skipped).toEqual([
      "node_modules/x/index.js: rebuilt by the project's install or build",
      'logo.png: not a text file',
      '../../etc/cron.js: "../../etc/cron.js" leaves the project root',
      'big.txt: larger than 1,000,000 bytes',
    ]);
  });

  it('says so when the bytes are not a zip', async () => {
    await expect(projectFromZip(strToU8('not a zip at all'))).rejects.toThrow(/This is not a zip archive that can be read/);
  });

  it('reads stored entries, and lists one whose two sizes disagree', async () => {
    expect((await projectFromZip(storedZip('a.txt', 'plain\n'))).files).toEqual({ 'a.txt': 'plain\n' });
    const zip = storedZip('a.txt', 'plain\n');
    new DataView(zip.buffer).setUint32(centralHeaderOf(zip, 'a.txt') + 24, 5, true);
    expect((await projectFromZip(zip)).skipped).toEqual(['a.txt: its header declares two different sizes: not read']);
  });

  it('lists a second entry with the same path, keeping the first', async () => {
    const { files, skipped } = await projectFromZip(forgeZip([{ name: 'a.txt', content: 'first' }, { name: './a.txt', content: 'second' }]));
    expect(files).toEqual({ 'a.txt': 'first' });
    expect(skipped).toEqual(['a.txt: a second entry with this path: the first was kept']);
  });
});

describe('zip import limits, checked before inflating', () => {
  it('refuses an archive with more entries than an import reads, from its end record', async () => {
    const zip = forgeZip(Array.from({ length: IMPORT_LIMITS.archiveEntries + 1 }, (_, i) => ({ name: `f${i}`, content: 'x' })));
    await expect(projectFromZip(zip)).rejects.toThrow(new ArchiveRefusedError('This zip holds 20,001 entries: an import reads at most 20,000.'));
  });

  it("refuses an archive whose declared total passes the cap at more than 100 times the archive's size", async () => {
    const zeros = new Uint8Array(IMPORT_LIMITS.fileBytes);
    const zip = forgeZip(Array.from({ length: 21 }, (_, i) => ({ name: `z${i}.txt`, content: zeros })));
    await expect(projectFromZip(zip)).rejects.toThrow(/^This zip would unpack to 21,000,000 bytes, \d+ times its own size: refused as a possible zip bomb/);
  });

  it('lists, not refuses, a large archive that compresses like source code', async () => {
    const text = sourceLike(900_000);
    const zip = forgeZip(Array.from({ length: 23 }, (_, i) => ({ name: `t${String(i).padStart(2, '0')}.txt`, content: text })));
    const { files, skipped } = await projectFromZip(zip);
    expect(Object.keys(files)).toHaveLength(22);
    expect(skipped).toEqual(['t22.txt: the project would pass 20,000,000 bytes']);
  });

  it('lists an entry declared above the ratio, and takes a small one that compresses as well', async () => {
    const { files, skipped } = await projectFromZip(forgeZip([{ name: 'spaces.txt', content: ' '.repeat(500_000) }, { name: 'small.txt', content: ' '.repeat(50_000) }]));
    expect(skipped).toEqual([expect.stringMatching(/^spaces\.txt: would unpack to 500,000 bytes from \d+, more than 100 times: refused as a possible zip bomb$/)]);
    expect(Object.keys(files)).toEqual(['small.txt']);
  });

  it('lists encrypted entries and compression methods other than deflate', async () => {
    const zip = forgeZip([{ name: 'secret.txt', content: 'x' }, { name: 'ok.txt', content: 'ok' }]);
    zip[centralHeaderOf(zip, 'secret.txt') + 8] |= 1;
    expect((await projectFromZip(zip)).skipped).toEqual(['secret.txt: encrypted: not imported']);
    const lzma = forgeZip([{ name: 'a.txt', content: 'x' }, { name: 'ok.txt', content: 'ok' }]);
    new DataView(lzma.buffer).setUint16(centralHeaderOf(lzma, 'a.txt') + 10, 14, true);
    expect((await projectFromZip(lzma)).skipped).toEqual(['a.txt: compressed with method 14, which the import cannot read (only deflate)']);
  });

  it('lists a name that is not UTF-8 instead of guessing its letters', async () => {
    const zip = forgeZip([{ name: 'caf#.txt', content: 'x' }, { name: 'ok.txt', content: 'ok' }]);
    const at = centralHeaderOf(zip, 'caf#.txt');
    zip[at + 46 + 3] = 0xe9;
    expect((await projectFromZip(zip)).skipped).toEqual(['caf\ufffd.txt: the name is not UTF-8 text: not imported']);
  });
});

describe('zip import inflation, one entry at a time', () => {
  it('stops an entry at its declared size, and lists one that holds less than declared', async () => {
    const { files, skipped } = await projectFromZip(
      forgeZip([
        { name: 'more.txt', content: 'a'.repeat(1_000_000), declaredSize: 1000 },
        { name: 'less.txt', content: 'short', declaredSize: 9000 },
        { name: 'ok.txt', content: 'ok' },
      ]),
    );
    expect(files).toEqual({ 'ok.txt': 'ok' });
    expect(skipped).toEqual(['more.txt: holds more than the 1,000 bytes its header declares', 'less.txt: holds 5 bytes, not the 9,000 its header declares']);
  });

  it('stops reading once the entries together unpacked to more than the byte budget', async () => {
    const zeros = new Uint8Array(1_000_000);
    const { skipped } = await projectFromZip(forgeZip(Array.from({ length: 300 }, (_, i) => ({ name: `z${i}`, content: zeros, declaredSize: 10 }))));
    const lied = skipped.filter((line) => line.endsWith('holds more than the 10 bytes its header declares')).length;
    // Each lying entry is stopped after one small push (about 250 KB of zeros), until 40 MB were spent.
    expect(lied).toBeGreaterThan(IMPORT_LIMITS.inflatedBytes / 1_000_000);
    expect(lied).toBeLessThan(300);
    expect(skipped.slice(lied)).toEqual(Array.from({ length: 300 - lied }, (_, i) => `z${lied + i}: not read: this archive's entries unpacked to far more than they declare`));
  });

  it('stops reading when the time budget is spent', async () => {
    // A clock that moves a second each time it is read: the 20-second budget runs out part way.
    let clock = performance.now();
    vi.spyOn(performance, 'now').mockImplementation(() => (clock += 1000));
    const { files, skipped } = await projectFromZip(forgeZip(Array.from({ length: 50 }, (_, i) => ({ name: `f${i}.txt`, content: `file ${i}` }))));
    expect(Object.keys(files).length).toBeGreaterThan(0);
    expect(skipped.length).toBe(50 - Object.keys(files).length);
    expect(skipped.every((line) => line.endsWith(': not read: the import ran out of time'))).toBe(true);
  });

  it('gives the event loop turns while it inflates', async () => {
    const text = sourceLike(900_000);
    const zip = forgeZip(Array.from({ length: 20 }, (_, i) => ({ name: `src/f${i}.js`, content: text })));
    let ticks = 0;
    const timer = setInterval(() => (ticks += 1), 1);
    const started = performance.now();
    const { files } = await projectFromZip(zip);
    const elapsed = performance.now() - started;
    clearInterval(timer);
    expect(Object.keys(files)).toHaveLength(20);
    // A timer due every millisecond ran at least once per 25 ms of import (blocked, it would run once at the end).
    expect(ticks).toBeGreaterThan(elapsed / 25);
  });
});
