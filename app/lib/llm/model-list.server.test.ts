import type { LoaderFunctionArgs } from '@remix-run/node';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { loader } from '../../routes/api.models';
import { FakeOpenAI } from '../../../tests/fakes/fake-openai';
import { parseServerEnv } from '../env.server';
import { listModels } from './model-list.server';
import type { ModelList } from './models';

const fake = new FakeOpenAI();
let baseUrl = '';
beforeAll(async () => {
  baseUrl = await fake.start();
});
afterAll(() => fake.stop());

describe('which models take images', () => {
  it("reads OpenRouter's architecture.input_modalities: image listed → takes images, text only → does not", async () => {
    const env = parseServerEnv({ OPENROUTER_BASE_URL: baseUrl, DEFAULT_MODEL: 'fake/coder' });
    const { models } = await listModels(env);
    expect(models.find((m) => m.id === 'fake/coder')?.images).toBe(true);
    expect(models.find((m) => m.id === 'fake/fast')?.images).toBe(false);
    // The curated list knows its own.
    expect(models.find((m) => m.id === 'anthropic/claude-sonnet-4.5')?.images).toBe(true);
    expect(models.find((m) => m.id === 'qwen/qwen3-coder')?.images).toBe(false);
  });

  it('leaves it unknown for a model named in MODELS that no list describes (the browser asks the person)', async () => {
    const env = parseServerEnv({ OPENROUTER_BASE_URL: baseUrl, DEFAULT_MODEL: 'local/llava', MODELS: 'local/llava' });
    const { models } = await listModels(env);
    expect(models.find((m) => m.id === 'local/llava')?.images).toBeUndefined();
  });
});

describe('a model list that failed', () => {
  it('is served incomplete and uncached, without prices, and whole once the model server answers again', async () => {
    const down = new FakeOpenAI();
    const url = await down.start();
    vi.useFakeTimers({ toFake: ['Date'] });
    try {
      const env = parseServerEnv({ OPENROUTER_BASE_URL: url, DEFAULT_MODEL: 'fake/coder' });
      down.modelListFailures = 1;
      const first = await listModels(env);
      expect(first.complete).toBe(false);
      expect(first.models.find((m) => m.id === 'fake/coder')?.price).toBeUndefined();
      const response = await loader({ context: { env } } as unknown as LoaderFunctionArgs);
      expect(response.headers.get('Cache-Control')).toBe('no-store');
      expect(((await response.json()) as ModelList).complete).toBe(false);

      // A failed list is asked again after seconds, not the ten minutes a whole one is kept.
      vi.setSystemTime(Date.now() + 6_000);
      const second = await listModels(env);
      expect(second.complete).toBe(true);
      expect(second.models.find((m) => m.id === 'fake/coder')?.price).toBeDefined();
      const cached = await loader({ context: { env } } as unknown as LoaderFunctionArgs);
      expect(cached.headers.get('Cache-Control')).toBe('private, max-age=60');
    } finally {
      vi.useRealTimers();
      await down.stop();
    }
  });

  it('is whole when MODELS names the list (nothing to wait for)', async () => {
    const env = parseServerEnv({ OPENROUTER_BASE_URL: baseUrl, DEFAULT_MODEL: 'local/a', MODELS: 'local/a,local/b' });
    expect((await listModels(env)).complete).toBe(true);
  });
});
