import { describe, expect, it } from 'vitest';
import { projectPath } from '../sandbox/sandbox-api';
import { checkProjectPath, PROJECT_PATH_LIMITS } from './file-path';

const reason = (raw: string) => {
  const check = checkProjectPath(raw);
  return check.ok ? `ok: ${check.path}` : check.reason;
};

describe('the project path rule', () => {
  it('normalises dot segments and doubled slashes inside the project', () => {
    expect(reason('./src//a/../App.jsx')).toBe('ok: src/App.jsx');
  });

  it('refuses a backslash instead of turning it into a folder separator', () => {
    expect(reason('back\\slash.txt')).toBe('the name holds a backslash (\\), which the sandbox does not take in file names');
    expect(reason('src\\..\\..\\etc\\passwd')).toMatch(/backslash/);
  });

  it('takes a path of exactly 1,000 characters and refuses 1,001', () => {
    const path = `${'a/'.repeat(497)}x.txt`;
    expect(path).toHaveLength(PROJECT_PATH_LIMITS.chars - 1);
    expect(reason(`${path}x`)).toMatch(/^ok: /);
    expect(reason(`${path}xy`)).toBe('the path is 1,001 characters long; the sandbox takes at most 1,000');
  });

  it('counts a name in UTF-8 bytes, as Linux does: 255 taken, 256 refused', () => {
    expect(reason(`src/${'é'.repeat(127)}a`)).toMatch(/^ok: /);
    expect(reason(`src/${'é'.repeat(128)}`)).toBe('a name in the path is 256 bytes long; the sandbox takes at most 255');
    expect(reason(`${'d'.repeat(256)}/a.txt`)).toBe('a name in the path is 256 bytes long; the sandbox takes at most 255');
  });

  it('refuses names every plain object already has, wherever the path leads to them', () => {
    expect(reason('__proto__')).toBe('the name "__proto__" is reserved in the app; rename the file');
    expect(reason('src/../constructor')).toBe('the name "constructor" is reserved in the app; rename the file');
    expect(reason('hasOwnProperty')).toMatch(/reserved/);
    expect(reason('src/__proto__')).toBe('ok: src/__proto__');
  });

  it('is the sandbox API rule: the API refuses what the rule refuses, with the same reason', () => {
    for (const raw of ['back\\slash.txt', `${'x/'.repeat(600)}y`, `${'n'.repeat(300)}.txt`, '__proto__', '../up.txt']) {
      const parsed = projectPath.safeParse(raw);
      expect(parsed.success).toBe(false);
      expect(parsed.error?.issues[0].message).toBe(reason(raw));
    }
    expect(projectPath.parse('./src/App.jsx')).toBe('src/App.jsx');
  });
});
