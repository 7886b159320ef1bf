import type { ActionFunctionArgs } from '@remix-run/node';
import type { UIMessage } from 'ai';
import { serverEnv } from '~/lib/env.server';
import { errorJson } from '~/lib/http/api.server';
import { HttpError, readJsonBody } from '~/lib/http/json-body.server';
import { chatRequestSchema } from '~/lib/llm/chat-request';

export async function action({ request, context }: ActionFunctionArgs) {
  const session = await context.sessions.get(request);
  const response = await respond(request, context, session.owner);
  if (session.setCookie) response.headers.append('Set-Cookie', session.setCookie);
  return response;
}

async function respond(request: Request, context: ActionFunctionArgs['context'], owner: string) {
  try {
    if (request.method !== 'POST') throw new HttpError(405, 'Use POST.');
    const env = serverEnv();
    await context.limits.take('chat', owner, context.clientIp);
    const body = await readJsonBody(request, chatRequestSchema, env.CHAT_MAX_BODY_BYTES);
    if (!env.OPENROUTER_API_KEY && env.usesOpenRouter) {
      throw new HttpError(
        503,
        'No model API key is configured on the server. Set OPENROUTER_API_KEY in .env (or point OPENROUTER_BASE_URL at a local model server such as Ollama) and restart the app.',
      );
    }
    return await context.chat.stream({ messages: body.messages as unknown as UIMessage[], model: body.model, signal: request.signal });
  } catch (error) {
    return errorJson(error);
  }
}

export function loader() {
  return Response.json({ error: 'Use POST.' }, { status: 405 });
}
