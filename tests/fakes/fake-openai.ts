// A loopback fake of an OpenAI-compatible chat API (what OpenRouter, Ollama and LM Studio serve):
// POST /chat/completions streams scripted answers as SSE at a chosen pace, GET /models lists models.
// Tests script answers and faults in-process (`fake.script(...)`) or over HTTP (`POST /__script`).
// It streams as OpenRouter does (openrouter.ai/docs/api/reference/streaming, usage-accounting,
// reasoning-tokens): `: OPENROUTER PROCESSING` comments before and between chunks and through a
// silent upstream, mid-stream errors as a 200 then an `error` chunk, reasoning in `delta.reasoning`
// and `delta.reasoning_details`, and usage with its `cost` in the last chunk.
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export type Fault =
  | { type: 'status'; status: number; body?: unknown; retryAfter?: number }
  /** Destroy the connection after this many characters of the reply. */
  | { type: 'cut'; afterChars: number }
  /** Stop sending answer chunks after this many characters; the connection stays open and OpenRouter's keep-alive comments go on. */
  | { type: 'stall'; afterChars: number }
  /**
   * OpenRouter's mid-stream error: the 200 and this many characters were sent, then a chunk with a
   * top-level `error` ({ code, message }) and `finish_reason: "error"`, and the stream ends.
   */
  | { type: 'error'; afterChars: number; message?: string; code?: string | number };

export interface ScriptRule {
  /** Used when the user's request (the last text of the last user message; the app puts its project context before it) contains this text; a rule without `match` matches any request. */
  match?: string;
  reply?: string;
  /** Characters per SSE chunk (default 8). */
  chunkSize?: number;
  /** Delay between chunks in ms (default 0). */
  delayMs?: number;
  fault?: Fault;
  finishReason?: 'stop' | 'length';
  /** Tool calls the answer makes after its text, streamed as OpenAI \`tool_calls\` deltas (finish reason tool_calls). */
  toolCalls?: Array<{ name: string; arguments: Record<string, unknown> }>;
  /** Used only when the request ends with a tool result (an agent's next step) whose content contains this text. */
  toolResult?: string;
  /** How many requests this rule answers before it is used up (default: unlimited). */
  times?: number;
  /** Each chunk carries its send time ("@<ms>" padded to chunkSize) instead of the reply: for latency benchmarks. */
  stamp?: { chunks: number };
  /**
   * What the model thinks before it answers, streamed as OpenRouter sends an Anthropic model's
   * thinking: `delta.reasoning` with the same text as a `reasoning.text` entry of
   * `delta.reasoning_details`, then an entry carrying the block's signature.
   */
  reasoning?: string;
}

export interface RecordedRequest {
  model: string;
  messages: Array<{ role: string; content: unknown }>;
  authorization?: string;
  /** The output-token cap the request asked for. */
  maxTokens?: number;
  /** The names of the tools the request offered. */
  tools: string[];
  /** When the last chunk of the answer was sent (ms since the epoch). */
  finishedAt?: number;
  /** OpenRouter's app attribution headers as they arrived. */
  attribution: { referer?: string; title?: string; openRouterTitle?: string };
  /** `: OPENROUTER PROCESSING` comment lines sent with the answer. */
  comments: number;
  /** The signature of the reasoning block the answer sent (see ScriptRule.reasoning). */
  reasoningSignature?: string;
}

export class FakeOpenAI {
  readonly requests: RecordedRequest[] = [];
  #rules: Array<ScriptRule & { used: number }> = [];
  #server: Server;
  #open = new Set<ServerResponse>();
  url = '';

  constructor() {
    this.#server = createServer((req, res) => void this.#handle(req, res));
  }

  async start(port = 0): Promise<string> {
    await new Promise<void>((resolve) => this.#server.listen(port, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}/api/v1`;
    return this.url;
  }

  async stop() {
    for (const res of this.#open) res.destroy();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  script(...rules: ScriptRule[]) {
    this.#rules.push(...rules.map((rule) => ({ ...rule, used: 0 })));
  }

  /**
   * The account's balance in tokens of answer, as OpenRouter judges it before a request: a request
   * whose max_tokens (or, without one, the model's own maximum) is more gets its 402.
   */
  affordableTokens?: number;

  /** How many of the next GET /models fail with 503 (as when the provider is briefly down). */
  modelListFailures = 0;

  reset() {
    this.#rules = [];
    this.requests.length = 0;
    this.affordableTokens = undefined;
    this.modelListFailures = 0;
  }

  async #handle(req: IncomingMessage, res: ServerResponse) {
    const path = (req.url ?? '/').replace(/^\/(api\/)?v1/, '');
    try {
      if (req.method === 'GET' && path === '/models') {
        if (this.modelListFailures > 0) {
          this.modelListFailures--;
          return json(res, 503, { error: { message: 'model list unavailable' } });
        }
        // Prices in OpenRouter's shape (US dollars per token), which models take tools, and which take images (architecture.input_modalities).
        return json(res, 200, {
          data: [
            { id: 'fake/coder', name: 'Fake Coder', pricing: PRICES['fake/coder'], supported_parameters: ['tools', 'max_tokens'], architecture: { input_modalities: ['text', 'image'], output_modalities: ['text'] } },
            { id: 'fake/fast', name: 'Fake Fast', supported_parameters: ['max_tokens'], architecture: { input_modalities: ['text'], output_modalities: ['text'] } },
          ],
        });
      }
      if (req.method === 'POST' && path === '/__script') {
        this.script(...((await readJson(req)) as ScriptRule[]));
        return json(res, 200, { ok: true });
      }
      if (req.method === 'POST' && path === '/__reset') {
        this.reset();
        return json(res, 200, { ok: true });
      }
      if (req.method === 'GET' && path === '/__requests') return json(res, 200, this.requests);
      if (req.method === 'POST' && path === '/chat/completions') return await this.#complete(req, res);
      json(res, 404, { error: { message: `no route ${req.method} ${path}` } });
    } catch (error) {
      if (!res.headersSent) json(res, 500, { error: { message: String(error) } });
    }
  }

  async #complete(req: IncomingMessage, res: ServerResponse) {
    const body = (await readJson(req)) as { model: string; messages: RecordedRequest['messages']; stream?: boolean; max_tokens?: number; max_completion_tokens?: number; tools?: Array<{ function?: { name?: string } }> };
    const tools = (body.tools ?? []).map((t) => t.function?.name ?? '');
    const attribution = { referer: header(req, 'http-referer'), title: header(req, 'x-title'), openRouterTitle: header(req, 'x-openrouter-title') };
    const record: RecordedRequest = { model: body.model, messages: body.messages, authorization: req.headers.authorization, maxTokens: body.max_tokens ?? body.max_completion_tokens, tools, attribution, comments: 0 };
    this.requests.push(record);
    const lastUser = [...body.messages].reverse().find((m) => m.role === 'user');
    const prompt = requestText(lastUser?.content);
    const last = body.messages.at(-1);
    const toolResult = last?.role === 'tool' ? contentText(last.content) : undefined;
    const rule = this.#rules.find(
      (r) =>
        (r.times === undefined || r.used < r.times) &&
        (r.match === undefined || prompt.includes(r.match)) &&
        (r.toolResult === undefined || (toolResult !== undefined && toolResult.includes(r.toolResult))),
    );
    if (rule) rule.used += 1;
    const { chunkSize = 8, delayMs = 0, fault, stamp, toolCalls = [], reasoning = '' } = rule ?? {};
    const finishReason = toolCalls.length ? 'tool_calls' : (rule?.finishReason ?? 'stop');
    const reply = stamp ? ' '.repeat(stamp.chunks * chunkSize) : (rule?.reply ?? (toolCalls.length ? '' : 'I am the fake model.'));

    // OpenRouter routes only to endpoints that take every input the request has: none for an image sent to a text-only model.
    const hasImage = body.messages.some((m) => Array.isArray(m.content) && m.content.some((p) => typeof p === 'object' && p !== null && (p as { type?: unknown }).type === 'image_url'));
    if (hasImage && !IMAGE_MODELS.has(body.model)) return json(res, 404, { error: { message: 'No endpoints found that support image input', code: 404 } });

    const requested = record.maxTokens ?? MODEL_MAX_TOKENS;
    if (this.affordableTokens !== undefined && requested > this.affordableTokens) {
      // OpenRouter's own words (its credit pre-check), with its numbers.
      return json(res, 402, { error: { message: `This request requires more credits, or fewer max_tokens. You requested up to ${requested} tokens, but can only afford ${this.affordableTokens}. To increase, visit https://openrouter.ai/settings/credits and upgrade to a paid account`, code: 402 } });
    }
    if (fault?.type === 'status') {
      const headers: Record<string, string> = {};
      if (fault.retryAfter !== undefined) headers['retry-after'] = String(fault.retryAfter);
      return json(res, fault.status, fault.body ?? { error: { message: `scripted ${fault.status}`, code: fault.status } }, headers);
    }

    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
    this.#open.add(res);
    res.on('close', () => this.#open.delete(res));
    const id = `gen-${Date.now()}`;
    const created = Math.floor(Date.now() / 1000);
    const comment = () => {
      if (res.destroyed) return;
      res.write(`${PROCESSING_COMMENT}\n\n`);
      record.comments += 1;
    };
    let chunks = 0;
    const event = (payload: Record<string, unknown>) => res.write(`data: ${JSON.stringify({ id, object: 'chat.completion.chunk', created, model: body.model, provider: UPSTREAM_PROVIDER, ...payload })}\n\n`);
    const send = (delta: Record<string, unknown>, finish: string | null) => {
      if (chunks > 0 && chunks % COMMENT_EVERY_CHUNKS === 0) comment();
      chunks += 1;
      event({ choices: [{ index: 0, delta, finish_reason: finish }] });
    };
    // OpenRouter holds the connection with a comment while the upstream provider starts.
    comment();
    send({ role: 'assistant', content: '' }, null);
    for (let i = 0; i < reasoning.length; i += chunkSize) {
      if (res.destroyed) return;
      const text = reasoning.slice(i, i + chunkSize);
      send({ reasoning: text, reasoning_details: [{ type: 'reasoning.text', text, format: REASONING_FORMAT, index: 0 }] }, null);
      if (delayMs > 0) await sleep(delayMs);
    }
    if (reasoning) {
      // Anthropic's thinking block ends with its signature, which must come back with the block.
      record.reasoningSignature = createHash('sha256').update(reasoning).digest('base64');
      send({ reasoning_details: [{ type: 'reasoning.text', text: '', signature: record.reasoningSignature, format: REASONING_FORMAT, index: 0 }] }, null);
    }
    const limit = fault ? Math.min(fault.afterChars, reply.length) : reply.length;
    for (let i = 0; i < limit; i += chunkSize) {
      if (res.destroyed) return;
      send({ content: stamp ? `@${Date.now()}`.padEnd(chunkSize) : reply.slice(i, Math.min(i + chunkSize, limit)) }, null);
      if (delayMs > 0) await sleep(delayMs);
    }
    if (fault?.type === 'cut') return void res.destroy();
    if (fault?.type === 'stall') {
      // The upstream went silent; OpenRouter's comments keep the connection alive all the same.
      const keepAlive = setInterval(comment, KEEP_ALIVE_MS);
      res.on('close', () => clearInterval(keepAlive));
      return;
    }
    if (fault?.type === 'error') {
      record.finishedAt = Date.now();
      event({ error: { code: fault.code ?? 'server_error', message: fault.message ?? 'Provider disconnected unexpectedly' }, choices: [{ index: 0, delta: { content: '' }, finish_reason: 'error' }] });
      return void res.end();
    }
    // Each call: its id and name first, then its arguments in pieces, as OpenAI streams them.
    let argumentChars = 0;
    for (const [index, call] of toolCalls.entries()) {
      const args = JSON.stringify(call.arguments);
      argumentChars += args.length;
      send({ tool_calls: [{ index, id: `call_${index}_${Date.now()}`, type: 'function', function: { name: call.name, arguments: '' } }] }, null);
      for (let i = 0; i < args.length; i += chunkSize) {
        if (res.destroyed) return;
        send({ tool_calls: [{ index, function: { arguments: args.slice(i, i + chunkSize) } }] }, null);
        if (delayMs > 0) await sleep(delayMs);
      }
    }
    record.finishedAt = Date.now();
    send({}, finishReason);
    // The last chunk: usage as OpenRouter reports it, with what the request cost in credits.
    const reasoningTokens = Math.ceil(reasoning.length / 4);
    const completionTokens = Math.ceil((reply.length + argumentChars) / 4) + reasoningTokens;
    const price = PRICES[body.model as keyof typeof PRICES];
    const cost = price ? PROMPT_TOKENS * Number(price.prompt) + completionTokens * Number(price.completion) : 0;
    event({
      choices: [],
      usage: {
        prompt_tokens: PROMPT_TOKENS,
        prompt_tokens_details: { cached_tokens: 0 },
        completion_tokens: completionTokens,
        completion_tokens_details: { reasoning_tokens: reasoningTokens },
        total_tokens: PROMPT_TOKENS + completionTokens,
        cost,
      },
    });
    res.write('data: [DONE]\n\n');
    res.end();
  }
}

/** The request a user message carries: its last text part (the project context, when present, comes first). */
function requestText(content: unknown): string {
  if (Array.isArray(content)) return contentText(content.at(-1) ? [content.at(-1)] : []);
  return contentText(content);
}

function contentText(content: unknown): string {
  if (typeof content === 'string') return content;
  if (Array.isArray(content)) return content.map((p) => (typeof p === 'object' && p && 'text' in p ? String((p as { text: unknown }).text) : '')).join('');
  return '';
}

/** The models whose `architecture.input_modalities` list "image". */
const IMAGE_MODELS = new Set(['fake/coder']);

/** What the fake's models say they can answer at most (the pre-check's figure when a request names no max_tokens). */
const MODEL_MAX_TOKENS = 65_536;
/** Tokens the fake counts for every prompt. */
const PROMPT_TOKENS = 10;
/** US dollars per token, as OpenRouter's /models lists them (a model without prices costs nothing here). */
const PRICES = { 'fake/coder': { prompt: '0.000003', completion: '0.000015' } } as const;
const PROCESSING_COMMENT = ': OPENROUTER PROCESSING';
/** A keep-alive comment after every this many chunks, and this often while the upstream is silent. */
const COMMENT_EVERY_CHUNKS = 3;
const KEEP_ALIVE_MS = 250;
/** The upstream provider OpenRouter names in each chunk, and the reasoning format of its thinking. */
const UPSTREAM_PROVIDER = 'Anthropic';
const REASONING_FORMAT = 'anthropic-claude-v1';

const header = (req: IncomingMessage, name: string) => (typeof req.headers[name] === 'string' ? (req.headers[name] as string) : undefined);

function json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return JSON.parse(Buffer.concat(chunks).toString('utf8') || 'null');
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

// Run standalone: `tsx tests/fakes/fake-openai.ts [port]` (for trying the app by hand without a key).
if (import.meta.url === `file://${process.argv[1]}`) {
  const fake = new FakeOpenAI();
  void fake.start(Number(process.argv[2] ?? 0)).then((url) => console.log(`fake OpenAI-compatible API at ${url}`));
}
