import { useStore } from '@nanostores/react';
import { useNavigate } from '@remix-run/react';
import { useEffect, useState } from 'react';
import { ModelPicker, useImageSupport, useModels } from '~/components/chat/ModelPicker';
import type { ImageAttachment } from '~/lib/attachments/images';
import { PromptBox } from '~/components/chat/PromptBox';
import { AppShell } from '~/components/sidebar/AppShell';
import { chatList, createChat, createChatFromImport, createChatFromTemplate } from '~/lib/stores/chats';
import { ImportProject } from '~/components/projects/ImportProject';
import type { GitOrigin } from '~/lib/persistence/chat-db';
import type { ImportedProject } from '~/lib/projects/archive';
import { TEMPLATES, type Template } from '~/lib/templates/templates';
import { errorMessage } from '~/lib/error-message';

const EXAMPLES = [
  'Build a todo app with Vite and React, with filters and local storage',
  'Build a Flask API with SQLite for a reading list, and a small page to use it',
  'Build a pomodoro timer with a settings panel',
];

export default function Landing() {
  const navigate = useNavigate();
  const { models, defaultModel, keyConfigured } = useModels();
  const [model, setModel] = useState<string | null>(null);
  const chats = useStore(chatList);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    if (defaultModel && model === null) setModel(defaultModel);
  }, [defaultModel, model]);
  const chosen = model ?? defaultModel ?? models[0].id;

  /** Opens the chat `create` saves; a browser that cannot save it says so. */
  const open = async (create: () => Promise<{ id: string }>) => {
    try {
      navigate(`/chat/${(await create()).id}`);
    } catch (e) {
      setError(`Could not save the chat in this browser: ${errorMessage(e)}`);
    }
  };
  const imageSupport = useImageSupport(models, chosen);
  const start = (prompt: string, images: ImageAttachment[] = []) => open(() => createChat(prompt, chosen, images));
  const startFrom = (template: Template) => open(() => createChatFromTemplate(template, chosen));
  const imported = (name: string, project: ImportedProject, git?: GitOrigin) => open(() => createChatFromImport(name, project, chosen, git));

  return (
    <AppShell>
      <ImportProject onImport={imported}>
        <main className="mx-auto flex w-full max-w-2xl flex-col gap-6 px-4 pt-[12vh]">
          <div>
            <h1 className="text-3xl font-bold tracking-tight">What should we build?</h1>
            <p className="muted mt-1">Describe an app. You will watch it being written, run and previewed.</p>
          </div>
          <PromptBox onSend={(text, images) => void start(text, images)} large placeholder="Build me a …" draftKey="landing" imageSupport={imageSupport}>
            <ModelPicker value={chosen} onChange={setModel} models={models} />
          </PromptBox>
          {error && (
            <p role="alert" className="text-sm text-red-600">
              {error}
            </p>
          )}
          <div className="flex flex-wrap gap-2">
            {EXAMPLES.map((example) => (
              <button key={example} type="button" className="btn-ghost text-left text-xs" onClick={() => void start(example)}>
                {example}
              </button>
            ))}
          </div>
          <section aria-label="Start from a template">
            <h2 className="muted text-xs font-semibold uppercase">Or start from a template</h2>
            {keyConfigured === false && (
              <p role="note" className="mt-1 text-sm">
                No model key is configured on this server, so prompts cannot be answered yet. A template runs without one; to build on it by prompting, set <code>OPENROUTER_API_KEY</code> in{' '}
                <code>.env</code> (or point <code>OPENROUTER_BASE_URL</code> at a local model server) and restart.
              </p>
            )}
            <div className="mt-2 grid grid-cols-2 gap-2">
              {TEMPLATES.map((template) => (
                <button key={template.id} type="button" className="btn-ghost text-left text-sm" onClick={() => void startFrom(template)}>
                  <span className="font-semibold">{template.title}</span>
                  <span className="muted block text-xs">{template.description}</span>
                </button>
              ))}
            </div>
          </section>
          {chats.length > 0 && (
            <section aria-label="Recent chats">
              <h2 className="muted text-xs font-semibold uppercase">Recent</h2>
              <ul className="mt-2 text-sm">
                {chats.slice(0, 5).map((chat) => (
                  <li key={chat.id}>
                    <a className="hover:underline" href={`/chat/${chat.id}`}>
                      {chat.title}
                    </a>
                  </li>
                ))}
              </ul>
            </section>
          )}
        </main>
      </ImportProject>
    </AppShell>
  );
}
