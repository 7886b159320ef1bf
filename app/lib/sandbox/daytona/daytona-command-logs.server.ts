import type { Sandbox } from '@daytonaio/sdk';
import { SandboxNotFoundError } from '../sandbox-provider.server';
import { mapDaytonaError, SandboxNotStartedError } from './daytona-errors.server';

/**
 * Daytona's log of a session command is one file in which every line starts with its stream's
 * marker, 01 01 01 (stdout) or 02 02 02 (stderr) (daemon: apps/daemon/pkg/session/execute.go;
 * the SDK's STDOUT_PREFIX_BYTES/STDERR_PREFIX_BYTES). Polled logs give that file raw as `output`.
 */
const MARKER = /\x01\x01\x01|\x02\x02\x02/g;
/** A marker cut off at the end of what has been read so far. */
const PARTIAL_MARKER = /(?:\x01{1,2}|\x02{1,2})$/;

/** The log without its stream markers, and how much of `raw` that covers (a marker cut at the end waits for the rest). */
export function withoutStreamMarkers(raw: string): { text: string; consumed: number } {
  const consumed = raw.length - (PARTIAL_MARKER.exec(raw)?.[0].length ?? 0);
  return { text: raw.slice(0, consumed).replace(MARKER, ''), consumed };
}

// Exit codes of a command whose end we saw only as its session or sandbox going away.
/** Killed (SIGKILL): the session vanished without us. */
const SESSION_GONE = 137;
/** Terminated (SIGTERM): we ended its session, or Daytona stopped its sandbox; an end on purpose, not a crash. */
const ENDED_ON_PURPOSE = 143;

export interface FollowOptions {
  pollIntervalMs: number;
  /** True once this server deleted the command's session itself (Stop, a replaced server). */
  endedOnPurpose: () => boolean;
}

/**
 * Follows a session command to its end: its output through the log socket, or by polling when the
 * socket fails; resolves with its exit code.
 */
export async function followCommand(sandbox: Sandbox, session: string, cmdId: string, emit: (chunk: string) => void, options: FollowOptions): Promise<number> {
  let streamed = false;
  try {
    await sandbox.process.getSessionCommandLogs(session, cmdId, emit, emit);
    streamed = true;
  } catch {
    // The log socket failed: follow the command by polling instead.
  }
  return pollExit(sandbox, session, cmdId, streamed ? undefined : emit, options);
}

async function pollExit(sandbox: Sandbox, session: string, cmdId: string, emit: ((chunk: string) => void) | undefined, options: FollowOptions): Promise<number> {
  let seen = 0;
  const emitNew = (output: string) => {
    const { text, consumed } = withoutStreamMarkers(output.slice(seen));
    if (text) emit?.(text);
    seen += consumed;
  };
  for (;;) {
    let exitCode: number | null | undefined;
    try {
      if (emit) emitNew((await sandbox.process.getSessionCommandLogs(session, cmdId)).output ?? '');
      exitCode = (await sandbox.process.getSessionCommand(session, cmdId)).exitCode;
    } catch (error) {
      const mapped = mapDaytonaError(error);
      // The session is gone (deleted on stop or timeout, or the sandbox with it).
      if (mapped instanceof SandboxNotFoundError) return options.endedOnPurpose() ? ENDED_ON_PURPOSE : SESSION_GONE;
      if (mapped instanceof SandboxNotStartedError) return ENDED_ON_PURPOSE;
      throw mapped;
    }
    if (typeof exitCode === 'number') {
      if (emit) {
        const logs = await sandbox.process.getSessionCommandLogs(session, cmdId).catch(() => null);
        if (logs?.output) emitNew(logs.output);
      }
      return exitCode;
    }
    await new Promise((r) => setTimeout(r, options.pollIntervalMs));
  }
}
