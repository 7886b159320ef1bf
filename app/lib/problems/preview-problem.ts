import * as z from 'zod/mini';
import { whereFrom, type ProblemReport } from './problem';

/** Marks the preview reporter's messages (preview-reporter.ts) among whatever else a page posts. */
export const PREVIEW_REPORT = 'appforge-preview-problem';

const previewMessage = z.object({
  type: z.literal(PREVIEW_REPORT),
  problem: z.object({
    kind: z.enum(['build', 'runtime', 'http']),
    message: z.string().check(z.maxLength(2000)),
    where: z.optional(z.string().check(z.maxLength(2000))),
    output: z.optional(z.string().check(z.maxLength(8000))),
  }),
});

/**
 * A problem from a message event, if (and only if) it comes from the preview frame the workbench
 * shows, from the preview's origin, in the reporter's shape. Anything else is ignored.
 */
export function problemFromPreview(event: { origin: string; source: unknown; data: unknown }, preview: { origin: string; window: unknown }): ProblemReport | null {
  if (!preview.window || event.source !== preview.window || event.origin !== preview.origin) return null;
  const parsed = previewMessage.safeParse(event.data);
  if (!parsed.success) return null;
  const { kind, message, where, output } = parsed.data.problem;
  return { kind, origin: 'page', message, where: where ? (whereFrom(where) ?? where) : undefined, output: output || undefined };
}
