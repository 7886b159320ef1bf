import { z } from 'zod';
import { CONTEXT_LIMITS } from './project-context';
import { TOOL_NAMES } from '../agent/tool-specs';
import { IMAGE_LIMITS } from '../attachments/images';
import { checkImageDataUrl } from '../attachments/request-images';
import { previewPickSchema } from '../preview/element-picker';
import { MAX_PICKS, PICKS_PART } from '../preview/preview-picks';

/** Limits on what one chat request may carry; the byte limit on the whole body is server config. */
export const CHAT_LIMITS = { messages: 400, partChars: 1_000_000, modelChars: 200, reasoningDetails: 200 } as const;

const textPart = z.object({ type: z.literal('text'), text: z.string().max(CHAT_LIMITS.partChars) });
// Images only as the browser makes them: a base64 data URL of a PNG, JPEG or WebP whose bytes say
// so, within the size cap. A file part with a link would make the server download it (SSRF), so
// there are none; other files and provider references are not accepted either.
const imagePart = z
  .object({
    type: z.literal('file'),
    mediaType: z.string().max(100),
    url: z.string().max(Math.ceil((IMAGE_LIMITS.maxBytes * 4) / 3) + 100),
    filename: z.string().max(IMAGE_LIMITS.nameChars).optional(),
  })
  .superRefine((part, context) => {
    const problem = checkImageDataUrl(part.url, part.mediaType);
    if (problem) context.addIssue({ code: 'custom', message: problem });
  });
// Step markers and reasoning from earlier answers come back from the browser; reasoning keeps its
// blocks (below), which are text too.
const stepPart = z.object({ type: z.literal('step-start') });
// Elements the person picked in the preview, in the picker's checked shape (they reach the model as text).
const picksPart = z.object({ type: z.literal(PICKS_PART), id: z.string().max(200).optional(), data: z.object({ picks: z.array(previewPickSchema).min(1).max(MAX_PICKS) }) });

// A thinking model's reasoning blocks as OpenRouter's provider reads them back (providerOptions
// `openrouter.reasoning_details`): Anthropic's thinking with its signature, summaries, encrypted
// blobs. Models need them with their tool calls; nothing else of a part's metadata reaches the model.
const detailFields = { id: z.string().max(200).nullish(), format: z.string().max(100).nullish(), index: z.number().int().min(0).max(10_000).optional() };
const reasoningDetail = z.union([
  z.object({ type: z.literal('reasoning.text'), text: z.string().max(CHAT_LIMITS.partChars).nullish(), signature: z.string().max(CHAT_LIMITS.partChars).nullish(), ...detailFields }),
  z.object({ type: z.literal('reasoning.summary'), summary: z.string().max(CHAT_LIMITS.partChars), ...detailFields }),
  z.object({ type: z.literal('reasoning.encrypted'), data: z.string().max(CHAT_LIMITS.partChars), ...detailFields }),
]);
// Metadata the server does not understand (another provider's, a future format) is left out, not refused.
const providerMetadata = z
  .object({
    openrouter: z.object({
      reasoning_details: z
        .array(reasoningDetail.or(z.unknown().transform(() => undefined)))
        .max(CHAT_LIMITS.reasoningDetails)
        .transform((details) => details.filter((detail) => detail !== undefined)),
    }),
  })
  .optional()
  .catch(undefined);

const reasoningPart = z.object({ type: z.literal('reasoning'), text: z.string().max(CHAT_LIMITS.partChars), providerMetadata });

// Agent mode: the tool calls of earlier steps with the outputs the browser added. A call left
// without an output (the tab closed while it ran) reaches the model as an interrupted call, since
// providers refuse a call without a result.
const toolPart = z
  .object({
    type: z.enum(TOOL_NAMES.map((name) => `tool-${name}` as const)),
    toolCallId: z.string().min(1).max(200),
    state: z.enum(['input-streaming', 'input-available', 'output-available', 'output-error']),
    input: z.unknown(),
    output: z.unknown().optional(),
    errorText: z.string().max(CHAT_LIMITS.partChars).optional(),
    // OpenRouter's provider puts the step's reasoning on its first call too (encrypted reasoning alone is only there).
    callProviderMetadata: providerMetadata,
  })
  .transform((part) =>
    part.state === 'output-available' || part.state === 'output-error'
      ? part
      : { ...part, input: part.input ?? {}, state: 'output-error' as const, output: undefined, errorText: 'The tool call was interrupted before it finished.' },
  );

// A call of a tool the app does not have (the model made it up): it failed, and the model is told so.
const unknownToolPart = z
  .object({
    type: z.literal('dynamic-tool'),
    toolName: z.string().min(1).max(200),
    toolCallId: z.string().min(1).max(200),
    state: z.enum(['input-streaming', 'input-available', 'output-available', 'output-error']),
    input: z.unknown(),
    errorText: z.string().max(CHAT_LIMITS.partChars).optional(),
    callProviderMetadata: providerMetadata,
  })
  .transform((part) => ({ ...part, input: part.input ?? {}, state: 'output-error' as const, errorText: part.errorText ?? `There is no tool named ${part.toolName}.` }));

const path = z.string().min(1).max(CONTEXT_LIMITS.pathChars);

/** The project summary a follow-up carries instead of the whole project (see project-context.ts). */
const projectContext = z.object({
  files: z.array(z.object({ path, size: z.number().int().min(0) })).max(CONTEXT_LIMITS.files),
  contents: z.record(path, z.string()).refine((contents) => Object.values(contents).reduce((sum, c) => sum + c.length, 0) <= CONTEXT_LIMITS.contentChars, `the relevant files may hold at most ${CONTEXT_LIMITS.contentChars} characters`),
  edited: z.array(path).max(CONTEXT_LIMITS.files),
  locked: z.array(path).max(CONTEXT_LIMITS.files).optional(),
  notes: z.array(z.string().max(CONTEXT_LIMITS.noteChars)).max(CONTEXT_LIMITS.notes).optional(),
});

export const chatRequestSchema = z.object({
  id: z.string().max(200).optional(),
  model: z.string().trim().min(1).max(CHAT_LIMITS.modelChars),
  messages: z
    .array(
      z.looseObject({
        id: z.string().max(200),
        role: z.enum(['user', 'assistant']),
        parts: z.array(z.union([textPart, imagePart, picksPart, stepPart, reasoningPart, toolPart, unknownToolPart], { error: 'messages may carry text, images (as data URLs), picked elements and agent tool calls only' })).max(2000),
      }),
    )
    .min(1)
    .max(CHAT_LIMITS.messages),
  context: projectContext.optional(),
  /** Agent mode: the model gets the tools; an answer whose tool calls have their outputs may be continued. */
  agent: z.boolean().optional(),
})
  .refine((body) => body.messages.every((m) => m.role === 'user' || m.parts.every((part) => part.type !== 'file' && part.type !== PICKS_PART)), 'only the user\'s messages may carry images and picked elements')
  .refine((body) => body.messages.reduce((sum, m) => sum + m.parts.filter((part) => part.type === 'file').length, 0) <= IMAGE_LIMITS.perRequest, `a request may carry at most ${IMAGE_LIMITS.perRequest} images`)
  .refine((body) => {
    const last = body.messages?.at(-1);
    return !last || last.role === 'user' || (body.agent === true && last.parts.some((part) => part.type.startsWith('tool-') || part.type === 'dynamic-tool'));
  }, 'the last message must come from the user (or, in agent mode, be an answer with tool results)');

export type ChatRequest = z.infer<typeof chatRequestSchema>;
