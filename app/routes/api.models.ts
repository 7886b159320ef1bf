import { serverEnv } from '~/lib/env.server';
import { listModels } from '~/lib/llm/model-list.server';

export async function loader() {
  return Response.json(await listModels(serverEnv()), { headers: { 'Cache-Control': 'private, max-age=60' } });
}
