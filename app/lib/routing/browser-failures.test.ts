import { describe, expect, it } from 'vitest';
import { browserFailureReason } from './browser-failures';

describe('browserFailureReason', () => {
  it.each([
    ["Error: /home/project/node_modules/bcrypt/lib/binding/napi-v3/bcrypt_lib.node: invalid ELF header", /native Node addon/],
    ['gyp ERR! stack Error: not found: make\nnode-gyp rebuild failed', /native Node addon/],
    ['jsh: command not found: python3', /program the browser runtime does not have/],
    ['sh: 1: pip: not found', /program the browser runtime does not have/],
    ['RangeError: WebAssembly.Memory(): could not allocate memory', /WebAssembly memory/],
  ])('recognises %s', (output, reason) => {
    expect(browserFailureReason(output)).toMatch(reason);
  });

  it('ignores ordinary failures', () => {
    expect(browserFailureReason('src/App.tsx(3,1): error TS2304: Cannot find name "x".')).toBeNull();
    expect(browserFailureReason('npm ERR! 404 Not Found - GET https://registry.npmjs.org/nope')).toBeNull();
  });
});
