import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeOpenAI } from '../../../tests/fakes/fake-openai';
import { parseServerEnv } from '../env.server';
import { listModels } from './model-list.server';

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
