import { z } from 'zod';
import { checkProjectPath } from '../artifact/file-path';

/** Input limits of the sandbox API. */
export const SANDBOX_LIMITS = {
  fileBytes: 2_000_000,
  batchBytes: 25_000_000,
  batchFiles: 5000,
  commandChars: 4000,
} as const;

/** A project-relative path; normalised, and refused if absolute or leaving the root. */
export const projectPath = z
  .string()
  .max(1000)
  .transform((raw, ctx) => {
    const check = checkProjectPath(raw);
    if (!check.ok) {
      ctx.addIssue({ code: 'custom', message: check.reason });
      return z.NEVER;
    }
    return check.path;
  });

const file = z.object({
  path: projectPath,
  content: z.string().max(SANDBOX_LIMITS.fileBytes, `a file may hold at most ${SANDBOX_LIMITS.fileBytes} characters`),
  encoding: z.enum(['utf8', 'base64']).default('utf8'),
});

export const fileBatch = z
  .array(file)
  .max(SANDBOX_LIMITS.batchFiles)
  .refine((files) => files.reduce((sum, f) => sum + f.content.length, 0) <= SANDBOX_LIMITS.batchBytes, `a batch may hold at most ${SANDBOX_LIMITS.batchBytes} characters`);

export const command = z.string().trim().min(1, 'the command is empty').max(SANDBOX_LIMITS.commandChars);

export const createSandboxBody = z.object({
  project: z.string().regex(/^[A-Za-z0-9_-]{1,100}$/, 'letters, digits, _ and - only (at most 100)'),
  files: fileBatch.default([]),
  install: command.optional(),
  start: command.optional(),
});

export const writeFilesBody = z.object({ files: fileBatch.default([]), remove: z.array(projectPath).max(SANDBOX_LIMITS.batchFiles).default([]) });

export const execBody = z.object({ command, timeoutS: z.number().int().min(1).max(86_400).optional() });

export const startBody = z.object({ command });

export const shareBody = z.object({ ttlHours: z.number().min(1 / 3600).max(720).optional() });

export function toFiles(files: z.infer<typeof fileBatch>) {
  return files.map((f) => ({ path: f.path, content: f.encoding === 'base64' ? Buffer.from(f.content, 'base64') : f.content }));
}
