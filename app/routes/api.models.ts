import type { LoaderFunctionArgs } from '@remix-run/node';
import { listModels } from '~/lib/llm/model-list.server';

export async function loader({ context }: LoaderFunctionArgs) {
  const list = await listModels(context.env);
  // A list still without the model server's part is asked again soon: no cache may keep it.
  return Response.json(list, { headers: { 'Cache-Control': list.complete ? 'private, max-age=60' : 'no-store' } });
}
