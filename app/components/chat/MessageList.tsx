import { useStore } from '@nanostores/react';
import type { UIMessage } from 'ai';
import { lazy, memo, Suspense, useEffect, useRef, useState } from 'react';
import { answerMetadata, formatUsage, usageCost, type ModelOption } from '~/lib/llm/models';
import { messageText, type Workbench } from '~/lib/stores/workbench';
import type { AgentRun } from '~/lib/agent/agent-run';
import { isImagePart } from '~/lib/attachments/request-images';
import { picksOf } from '~/lib/preview/preview-picks';
import { ArtifactCard } from './ArtifactCard';
import { SentPicks } from './PickChips';

// An agent's tool calls: their cards load with the first one shown.
const ToolCard = lazy(() => import('./ToolCard').then((module) => ({ default: module.ToolCard })));

export function MessageList({ messages, workbench, agent, streaming, priceOf }: { messages: UIMessage[]; workbench: Workbench; agent: AgentRun; streaming: boolean; priceOf: (model: string) => ModelOption['price'] }) {
  const end = useRef<HTMLDivElement>(null);
  const last = messages[messages.length - 1];
  useEffect(() => {
    end.current?.scrollIntoView({ block: 'end' });
  }, [messages.length, last?.parts.length]);
  return (
    <div className="flex flex-col gap-4">
      {messages.map((message) =>
        message.role === 'user' ? (
          <UserMessage key={message.id} message={message} />
        ) : (
          <AssistantMessage key={message.id} message={message} workbench={workbench} agent={agent} usage={usageLine(message, priceOf)} />
        ),
      )}
      {streaming && last?.role === 'user' && <WaitingForModel />}
      <div ref={end} />
    </div>
  );
}

/** The person's words, with the images they attached. */
function UserMessage({ message }: { message: UIMessage }) {
  const images = message.parts.filter(isImagePart);
  const picks = picksOf(message);
  return (
    <div data-role="user" className="self-end flex max-w-[90%] flex-col items-end gap-1">
      {images.length > 0 && (
        <ul aria-label="Images" className="flex flex-wrap justify-end gap-1">
          {images.map((image, index) => (
            <li key={index}>
              <img src={image.url} alt={image.filename ?? 'Attached image'} title={image.filename} className="max-h-32 max-w-48 rounded-lg border border-gray-300 object-contain dark:border-gray-700" />
            </li>
          ))}
        </ul>
      )}
      {picks.length > 0 && <SentPicks picks={picks} />}
      {messageText(message) && <div className="whitespace-pre-wrap rounded-xl bg-blue-50 px-3 py-2 text-sm dark:bg-blue-950/50">{messageText(message)}</div>}
    </div>
  );
}

function AssistantMessage({ message, workbench, agent, usage }: { message: UIMessage; workbench: Workbench; agent: AgentRun; usage?: string }) {
  const blocks = useStore(workbench.blocks, { keys: [message.id] })[message.id] ?? [];
  return (
    <article data-role="assistant" className="markdown text-sm leading-relaxed">
      {blocks.map((block, index) =>
        block.type === 'text' ? (
          <Prose key={index} text={block.text} />
        ) : block.type === 'artifact' ? (
          <ArtifactCard key={block.artifactKey} workbench={workbench} artifactKey={block.artifactKey} />
        ) : (
          <Suspense key={block.toolCallId} fallback={<p className="muted my-2 text-xs">Tool call…</p>}>
            <ToolCard message={message} toolCallId={block.toolCallId} agent={agent} />
          </Suspense>
        ),
      )}
      {usage && (
        <p className="muted mt-1 text-xs" aria-label="Tokens used">
          {usage}
        </p>
      )}
    </article>
  );
}

/** "N in · M out · $cost" for an answer that carries its usage. */
function usageLine(message: UIMessage, priceOf: (model: string) => ModelOption['price']): string | undefined {
  const answer = answerMetadata(message.metadata);
  if (!answer) return undefined;
  const line = formatUsage(answer.usage, usageCost(answer.usage, priceOf(answer.model)));
  return answer.cappedAt ? `${line} · capped at ${answer.cappedAt.toLocaleString('en-US')} tokens by the account's balance` : line;
}

/** react-markdown and what it parses with: loaded when the first answer's prose shows, once. */
type Markdown = typeof import('react-markdown').default;
let markdown: Markdown | undefined;
let loadingMarkdown: Promise<Markdown> | undefined;
const loadMarkdown = () => (loadingMarkdown ??= import('react-markdown').then((module) => (markdown = module.default)));

/** An answer's prose as Markdown; as plain text (its line breaks kept) until Markdown has loaded, or if it cannot. */
const Prose = memo(function Prose({ text }: { text: string }) {
  const [Markdown, setMarkdown] = useState(() => markdown);
  useEffect(() => {
    if (Markdown) return;
    let current = true;
    loadMarkdown().then(
      (loaded) => current && setMarkdown(() => loaded),
      () => {
        loadingMarkdown = undefined; // the next prose tries again
      },
    );
    return () => {
      current = false;
    };
  }, [Markdown]);
  return Markdown ? <Markdown>{text}</Markdown> : <p className="whitespace-pre-wrap">{text}</p>;
});

/** Shown until the first words arrive, with how long it has been. */
function WaitingForModel() {
  const [started] = useState(() => Date.now());
  const [now, setNow] = useState(started);
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(timer);
  }, []);
  const seconds = Math.floor((now - started) / 1000);
  return (
    <p className="muted text-sm" role="status" aria-label="Model">
      Waiting for the model…{seconds >= 1 ? ` ${seconds}s` : ''}
    </p>
  );
}
