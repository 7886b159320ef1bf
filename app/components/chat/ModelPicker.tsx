import { useEffect, useState } from 'react';
import { useStore } from '@nanostores/react';
import { CURATED_MODELS, type AgentBudget, type ModelOption } from '~/lib/llm/models';
import { modelListLoader } from '~/lib/llm/model-list';
import { modelTakesImages, rememberModelImages } from '~/lib/attachments/model-images';
import type { ImageSupport } from './PromptBox';

const shared = modelListLoader(() => fetch('/api/models'));

/** The models offered: curated ones at once, the server's list when /api/models answers (again once its prices are in). */
export function useModels() {
  const body = useStore(shared.list);
  useEffect(() => shared.start(), []);
  return {
    models: body?.models ?? CURATED_MODELS,
    defaultModel: body?.defaultModel ?? null,
    autoFixTokenBudget: body?.autoFixTokenBudget ?? null,
    agentBudget: body?.agent ?? DEFAULT_AGENT_BUDGET,
    keyConfigured: body?.keyConfigured ?? null,
  };
}

/** Whether the chosen model takes images (the list's word, else the person's remembered answer), for the prompt box. */
export function useImageSupport(models: ModelOption[], id: string): ImageSupport {
  const [, answered] = useState(0);
  const model = models.find((m) => m.id === id);
  return {
    model: model?.label ?? id,
    takesImages: modelTakesImages(model, id),
    remember: (takesImages) => {
      rememberModelImages(id, takesImages);
      answered((n) => n + 1);
    },
  };
}

/** Until /api/models answers: the server's defaults (the server holds its own to them too). */
const DEFAULT_AGENT_BUDGET: AgentBudget = { maxSteps: 25, tokenBudget: 500_000 };

/** "· tools" marks the models agent mode works with. */
export function modelLabel(model: ModelOption): string {
  return model.tools ? `${model.label} · tools` : model.label;
}

export function ModelPicker({ value, onChange, models }: { value: string; onChange: (id: string) => void; models: ModelOption[] }) {
  const options = models.some((m) => m.id === value) ? models : [{ id: value, label: value }, ...models];
  return (
    <select
      aria-label="Model"
      className="max-w-56 truncate rounded-md border border-gray-300 bg-transparent px-2 py-1 text-sm dark:border-gray-600"
      value={value}
      onChange={(event) => onChange(event.target.value)}
    >
      {options.map((model) => (
        <option key={model.id} value={model.id} title={`${model.tools ? 'Can call tools: agent mode works with it' : model.tools === false ? 'Cannot call tools: answers in the artifact format only' : 'Not known whether it can call tools'}. ${model.images ? 'Takes images.' : model.images === false ? 'Does not take images.' : 'Not known whether it takes images.'}`}>
          {modelLabel(model)}
        </option>
      ))}
    </select>
  );
}
