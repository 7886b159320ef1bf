import { z } from 'zod';
import { CONTEXT_LIMITS } from './project-context';

/** Limits on what one chat request may carry; the byte limit on the whole body is server config. */
export const CHAT_LIMITS = { messages: 400, partChars: 1_000_000, modelChars: 200 } as const;

const textPart = z.object({ type: z.literal('text'), text: z.string().max(CHAT_LIMITS.partChars) });
// Text only: file, image and URL parts would make the server download what they point at (SSRF).
// Step markers and reasoning from earlier answers come back from the browser and carry text only.
const stepPart = z.object({ type: z.literal('step-start') });
const reasoningPart = z.object({ type: z.literal('reasoning'), text: z.string().max(CHAT_LIMITS.partChars) });

const path = z.string().min(1).max(CONTEXT_LIMITS.pathChars);

/** The project summary a follow-up carries instead of the whole project (see project-context.ts). */
const projectContext = z.object({
  files: z.array(z.object({ path, size: z.number().int().min(0) })).max(CONTEXT_LIMITS.files),
  contents: z.record(path, z.string()).refine((contents) => Object.values(contents).reduce((sum, c) => sum + c.length, 0) <= CONTEXT_LIMITS.contentChars, `the relevant files may hold at most ${CONTEXT_LIMITS.contentChars} characters`),
  edited: z.array(path).max(CONTEXT_LIMITS.files),
});

export const chatRequestSchema = z.object({
  id: z.string().max(200).optional(),
  model: z.string().trim().min(1).max(CHAT_LIMITS.modelChars),
  messages: z
    .array(
      z.looseObject({
        id: z.string().max(200),
        role: z.enum(['user', 'assistant']),
        parts: z.array(z.union([textPart, stepPart, reasoningPart], { error: 'messages may carry text only' })).max(2000),
      }),
    )
    .min(1)
    .max(CHAT_LIMITS.messages)
    .refine((messages) => messages.at(-1)?.role === 'user', 'the last message must come from the user'),
  context: projectContext.optional(),
});

export type ChatRequest = z.infer<typeof chatRequestSchema>;
