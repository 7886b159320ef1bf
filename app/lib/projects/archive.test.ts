import { strToU8, zipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { IMPORT_LIMITS, projectFromZip, zipProject } from './archive';

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
});
