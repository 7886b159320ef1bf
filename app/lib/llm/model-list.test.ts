import { describe, expect, it } from 'vitest';
import { modelListLoader } from './model-list';
import type { ModelList } from './models';

function list(complete: boolean, price?: { input: number; output: number }): ModelList {
  return {
    models: [{ id: 'fake/coder', label: 'Fake Coder', price }],
    defaultModel: 'fake/coder',
    remote: false,
    complete,
    autoFixTokenBudget: 1000,
    agent: { maxSteps: 5, tokenBudget: 10_000 },
    keyConfigured: true,
  };
}

/** Answers in order; each ask is recorded. */
function server(...answers: Array<ModelList | number | Error>) {
  const asked: number[] = [];
  const ask = async () => {
    asked.push(Date.now());
    const answer = answers.shift() ?? 500;
    if (answer instanceof Error) throw answer;
    return typeof answer === 'number' ? new Response('no', { status: answer }) : Response.json(answer);
  };
  return { ask, asked };
}

const settled = (ms = 50) => new Promise((resolve) => setTimeout(resolve, ms));

describe('the page’s model list', () => {
  it('asks again while the list is incomplete, and keeps the whole one', async () => {
    const { ask, asked } = server(list(false), list(false), list(true, { input: 1, output: 2 }), list(false));
    const loader = modelListLoader(ask, [5, 5, 5, 5]);
    loader.start();
    loader.start(); // every picker on the page starts it: still one run
    await settled();
    expect(asked).toHaveLength(3);
    expect(loader.list.get()?.complete).toBe(true);
    expect(loader.list.get()?.models[0].price).toEqual({ input: 1, output: 2 });
  });

  it('shows an incomplete list meanwhile, and rides out failures and network errors', async () => {
    const { ask, asked } = server(list(false), 503, new TypeError('Failed to fetch'), list(true, { input: 1, output: 2 }));
    const loader = modelListLoader(ask, [20, 20, 20]);
    loader.start();
    await settled(5);
    expect(loader.list.get()?.complete).toBe(false);
    await settled(150);
    expect(asked).toHaveLength(4);
    expect(loader.list.get()?.models[0].price).toBeDefined();
  });

  it('stops after its last wait, and the next start asks again', async () => {
    const { ask, asked } = server(503, 503, list(true));
    const loader = modelListLoader(ask, [5]);
    loader.start();
    await settled();
    expect(asked).toHaveLength(2);
    expect(loader.list.get()).toBeNull();
    loader.start();
    await settled();
    expect(asked).toHaveLength(3);
    expect(loader.list.get()?.complete).toBe(true);
  });

  it('takes a list without `complete` (an older server) as whole', async () => {
    const { complete: _, ...old } = list(true);
    const { ask, asked } = server(old as ModelList, list(true));
    const loader = modelListLoader(ask, [5, 5]);
    loader.start();
    await settled();
    expect(asked).toHaveLength(1);
    expect(loader.list.get()?.defaultModel).toBe('fake/coder');
  });
});
