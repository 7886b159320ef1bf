import type { ModelOption } from '../llm/models';

// A local model server's list does not say which models take images: the person is asked once per
// model, and the answer is kept in this browser.
const KEY = (model: string) => `appforge:model-images:${model}`;

/** Whether `model` takes images: what the model list says, else the person's earlier answer, else unknown. */
export function modelTakesImages(model: Pick<ModelOption, 'id' | 'images'> | undefined, id: string): boolean | undefined {
  if (model?.images !== undefined) return model.images;
  try {
    const answer = localStorage.getItem(KEY(id));
    return answer === 'yes' ? true : answer === 'no' ? false : undefined;
  } catch {
    return undefined;
  }
}

export function rememberModelImages(id: string, takesImages: boolean) {
  try {
    localStorage.setItem(KEY(id), takesImages ? 'yes' : 'no');
  } catch {
    // Storage full or blocked: the question comes back next time.
  }
}
