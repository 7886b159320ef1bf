import { useEffect, useState } from 'react';
import { CURATED_MODELS, type AgentBudget, type ModelList, type ModelOption } from '~/lib/llm/models';
import { modelTakesImages, rememberModelImages } from '~/lib/attachments/model-images';
import type { ImageSupport } from './PromptBox';

// Fetched once per page load and shared by every picker.
let modelList: Promise<ModelList> | undefined;

function fetchModels() {
  modelList ??= fetch('/api/models').then((response) => (response.ok ? (response.json() as Promise<ModelList>) : Promise.reject(new Error(String(response.status)))));
  modelList.catch(() => (modelList = undefined));
  return modelList;
}

/** The models offered: curated ones at once, the provider's list when /api/models answers. */
export function useModels() {
  const [models, setModels] = useState<ModelOption[]>(CURATED_MODELS);
  const [defaultModel, setDefaultModel] = useState<string | null>(null);
  const [autoFixTokenBudget, setBudget] = useState<number | null>(null);
  const [agentBudget, setAgentBudget] = useState<AgentBudget>(DEFAULT_AGENT_BUDGET);
  const [keyConfigured, setKeyConfigured] = useState<boolean | null>(null);
  useEffect(() => {
    let cancelled = false;
    fetchModels()
      .then((body) => {
        if (cancelled) return;
        setModels(body.models);
        setDefaultModel(body.defaultModel);
        setBudget(body.autoFixTokenBudget);
        setAgentBudget(body.agent);
        setKeyConfigured(body.keyConfigured);
      })
      .catch(() => {});
    return () => {
      cancelled = true;
    };
  }, []);
  return { models, defaultModel, autoFixTokenBudget, agentBudget, keyConfigured };
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
