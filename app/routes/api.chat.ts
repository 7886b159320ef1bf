import type { ActionFunctionArgs } from '@remix-run/node';
import type { UIMessage } from 'ai';
import { errorJson } from '~/lib/http/api.server';
import { HttpError, readJsonBody } from '~/lib/http/json-body.server';
import { chatRequestSchema } from '~/lib/llm/chat-request.server';
import { attributionUrl } from '~/lib/llm/attribution.server';
import { listModels } from '~/lib/llm/model-list.server';
import { assertSameOriginJson } from '~/lib/http/same-origin.server';
import { rateKey } from '~/lib/http/session.server';
import { toolSteps } from '~/lib/agent/agent-run';
import { fitImages } from '~/lib/attachments/request-images';

export async function action({ request, context }: ActionFunctionArgs) {
  const session = await context.sessions.get(request);
  const response = await respond(request, context, rateKey(session, context.clientIp));
  if (session.setCookie) response.headers.append('Set-Cookie', session.setCookie);
  return response;
}

async function respond(request: Request, context: ActionFunctionArgs['context'], limitKey: string) {
  try {
    if (request.method !== 'POST') throw new HttpError(405, 'Use POST.');
    const { env } = context;
    assertSameOriginJson(request, env.APP_HOST);
    const body = await readJsonBody(request, chatRequestSchema, env.CHAT_MAX_BODY_BYTES);
    const last = body.messages.at(-1)!;
    const agentStep = last.role === 'assistant';
    await context.limits.take(agentStep ? 'agentStep' : 'chat', limitKey, context.clientIp);
    if (!env.OPENROUTER_API_KEY && env.usesOpenRouter) {
      throw new HttpError(
        503,
        'No model API key is configured on the server. Set OPENROUTER_API_KEY in .env (or point OPENROUTER_BASE_URL at a local model server such as Ollama) and restart the app.',
      );
    }
    // Only models the server offers: an id is never passed through as free text (cost, variants).
    const { models } = await listModels(env);
    const model = models.find((m) => m.id === body.model);
    if (!model) throw new HttpError(400, `This server does not offer the model "${body.model.slice(0, 100)}". Pick one from the list.`);
    if (body.agent && model.tools === false) throw new HttpError(400, `${model.label} cannot call tools, so agent mode is not available with it. Turn agent mode off or pick a model marked "tools".`);
    // The browser keeps to the step budget; this holds it for a client that does not.
    if (agentStep && toolSteps(last as unknown as UIMessage) >= env.AGENT_MAX_STEPS) throw new HttpError(400, `This agent run has used its ${env.AGENT_MAX_STEPS} steps (AGENT_MAX_STEPS). Send a new message to go on.`);
    // The browser leaves images out for a model that does not take them; this holds for a client that does not.
    const messages = fitImages(body.messages as unknown as UIMessage[], { sendImages: model.images !== false }).messages;
    return await context.chat.stream({
      messages,
      model: body.model,
      projectContext: body.context,
      agent: body.agent ?? false,
      appUrl: attributionUrl(env.APP_HOST, request.url),
      signal: request.signal,
    });
  } catch (error) {
    return errorJson(error);
  }
}

export function loader() {
  return Response.json({ error: 'Use POST.' }, { status: 405 });
}
