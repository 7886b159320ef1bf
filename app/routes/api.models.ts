import type { LoaderFunctionArgs } from '@remix-run/node';
import { listModels } from '~/lib/llm/model-list.server';

export async function loader({ context }: LoaderFunctionArgs) {
  return Response.json(await listModels(context.env), { headers: { 'Cache-Control': 'private, max-age=60' } });
}
