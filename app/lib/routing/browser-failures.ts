/**
 * Command output that proves the browser runtime cannot run the project, whatever is retried:
 * the signal for the automatic fallback to a cloud sandbox.
 */
const SIGNATURES: Array<[RegExp, string]> = [
  [/(was compiled against a different Node\.js version|invalid ELF header|\.node: (cannot open shared object|wrong ELF class)|Cannot find module .*\.node\b|node-gyp|prebuild-install|No native build was found)/i, 'a native Node addon could not be loaded in the browser runtime'],
  [/(command not found|not found|is not recognized|unknown command):? *(python3?|pip3?|go|cargo|docker|psql|mysql|redis-server|mongod|java|ruby|php|apt-get)\b|\b(python3?|pip3?|go|cargo|docker|psql|mysql|redis-server|mongod|java|ruby|php|apt-get)\b:? (command )?not found/i, 'a program the browser runtime does not have was needed'],
  [/(WebAssembly\.(Memory|instantiate)|wasm).*(out of memory|could not allocate)|RangeError: WebAssembly\.Memory/i, 'the browser runtime ran out of WebAssembly memory'],
];

export function browserFailureReason(output: string): string | null {
  for (const [pattern, reason] of SIGNATURES) if (pattern.test(output)) return reason;
  return null;
}
