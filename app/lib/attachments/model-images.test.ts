import { afterEach, describe, expect, it, vi } from 'vitest';
import { modelTakesImages, rememberModelImages } from './model-images';

function memoryStorage() {
  const items = new Map<string, string>();
  return { getItem: (k: string) => items.get(k) ?? null, setItem: (k: string, v: string) => void items.set(k, v), removeItem: (k: string) => void items.delete(k) };
}

afterEach(() => vi.unstubAllGlobals());

describe('whether a model takes images', () => {
  it("goes by the model list's word when it has one", () => {
    vi.stubGlobal('localStorage', memoryStorage());
    rememberModelImages('a/vision', false);
    expect(modelTakesImages({ id: 'a/vision', images: true }, 'a/vision')).toBe(true);
    expect(modelTakesImages({ id: 'a/text', images: false }, 'a/text')).toBe(false);
  });

  it('asks once for a model nobody describes, then remembers the answer in this browser', () => {
    vi.stubGlobal('localStorage', memoryStorage());
    expect(modelTakesImages({ id: 'local/llava' }, 'local/llava')).toBeUndefined();
    rememberModelImages('local/llava', true);
    rememberModelImages('local/coder', false);
    expect(modelTakesImages({ id: 'local/llava' }, 'local/llava')).toBe(true);
    expect(modelTakesImages(undefined, 'local/coder')).toBe(false);
  });

  it('is unknown (so the person is asked) where storage is blocked', () => {
    vi.stubGlobal('localStorage', {
      getItem: () => {
        throw new Error('SecurityError');
      },
      setItem: () => {
        throw new Error('QuotaExceededError');
      },
    });
    expect(() => rememberModelImages('x', true)).not.toThrow();
    expect(modelTakesImages({ id: 'x' }, 'x')).toBeUndefined();
  });
});
