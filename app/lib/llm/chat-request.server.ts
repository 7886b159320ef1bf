import { z } from 'zod';

/** Limits on what one chat request may carry; the byte limit on the whole body is server config. */
export const CHAT_LIMITS = { messages: 400, partChars: 1_000_000, modelChars: 200 } as const;

const textPart = z.object({ type: z.literal('text'), text: z.string().max(CHAT_LIMITS.partChars) });
// Text only: file, image and URL parts would make the server download what they point at (SSRF).
// Step markers and reasoning from earlier answers come back from the browser and carry text only.
const stepPart = z.object({ type: z.literal('step-start') });
const reasoningPart = z.object({ type: z.literal('reasoning'), text: z.string().max(CHAT_LIMITS.partChars) });

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
});

export type ChatRequest = z.infer<typeof chatRequestSchema>;
