/**
 * One line per socket or stream error, where it arises: a reset connection costs only that
 * connection, never the server. Resets are routine (a tab closed mid-preview), so the log is
 * throttled per place: a client that resets thousands of sockets cannot flood it.
 */
const WINDOW_MS = 60_000;
const LINES_PER_WINDOW = 20;

const windows = new Map<string, { start: number; lines: number; suppressed: number }>();

export function describeError(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as NodeJS.ErrnoException).code;
    return code && !error.message.includes(code) ? `${code} ${error.message}` : error.message;
  }
  return String(error);
}

export function logConnectionError(where: string, error: unknown, now = Date.now()) {
  let window = windows.get(where);
  if (!window || now - window.start > WINDOW_MS) {
    if (window?.suppressed) console.warn(`${where}: ${window.suppressed} more connection errors not logged`);
    window = { start: now, lines: 0, suppressed: 0 };
    windows.set(where, window);
  }
  if (window.lines >= LINES_PER_WINDOW) {
    window.suppressed += 1;
    return;
  }
  window.lines += 1;
  console.warn(`${where}: connection error: ${describeError(error)}`);
}
