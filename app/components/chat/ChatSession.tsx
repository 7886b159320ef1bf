import { useChat } from '@ai-sdk/react';
import { useStore } from '@nanostores/react';
import { DefaultChatTransport, lastAssistantMessageIsCompleteWithToolCalls, type UIMessage } from 'ai';
import { AgentRun, type ToolOutput } from '~/lib/agent/agent-run';
import { lazy, Suspense, useEffect, useMemo, useRef, useState } from 'react';
import { saveFiles, saveMessages, updateChat, type ChatMeta } from '~/lib/persistence/chat-db';
import type { ActionStatus } from '~/lib/runtime/action-runner';
import { fetchPackageVerdicts } from '~/lib/routing/package-facts-client';
import { BrowserRuntime } from '~/lib/runtime/browser-runtime';
import { messageText, Workbench } from '~/lib/stores/workbench';
import { compactHistory } from '~/lib/llm/project-context';
import { Workbench as WorkbenchView } from '../workbench/Workbench';
import { answerMetadata, formatUsage, totalUsage } from '~/lib/llm/models';
import { AutoFix } from '~/lib/problems/auto-fix';
import { VersionHistory } from '~/lib/versions/version-history';
import type { PublishOptions } from '~/lib/publish/publisher';
import { MessageList } from './MessageList';
import { ModelPicker, useImageSupport, useModels } from './ModelPicker';
import type { ImageAttachment } from '~/lib/attachments/images';
import { fitImages, fittedImagesNote } from '~/lib/attachments/request-images';
import { picksPart, requestText } from '~/lib/preview/preview-picks';
import { PickChips } from './PickChips';
import { PromptBox } from './PromptBox';

// Shown when the app fails, with what Fix it (or auto-fix) then sends.
const ProblemAlert = lazy(() => Promise.all([import('./ProblemAlert'), import('~/lib/problems/fix-request')]).then(([module]) => ({ default: module.ProblemAlert })));
// Opened from an imported repository's chat, on request.
const PullRequestCard = lazy(() => import('~/components/projects/PullRequestCard').then((module) => ({ default: module.PullRequestCard })));

interface ChatSessionProps {
  chat: ChatMeta;
  initialMessages: UIMessage[];
  initialFiles: Record<string, string>;
  actionStates: Record<string, ActionStatus>;
}

const SAVE_DELAY_MS = 400;

/** One open chat: the conversation on the left, the workbench on the right once files exist. */
export function ChatSession(props: ChatSessionProps) {
  const { chat, initialMessages, initialFiles, actionStates } = props;
  // Created in an effect (not during render) so that it is disposed exactly when the chat closes.
  const [workbench, setWorkbench] = useState<Workbench | null>(null);
  useEffect(() => {
    const versions = new VersionHistory(chat.id);
    const wb = new Workbench({
      project: chat.id,
      createBrowserRuntime: () => new BrowserRuntime(),
      runtimeRecord: chat.runtime,
      saveRuntimeRecord: (runtime) => void updateChat(chat.id, { runtime }),
      lookupPackages: fetchPackageVerdicts,
      versions,
      locked: chat.locked,
      saveLocked: (locked) => void updateChat(chat.id, { locked }),
    });
    // Loaded before anything can record; a chat saved before versions existed starts with its project as v1.
    void versions.load().then((list) => {
      if (list.length === 0 && Object.keys(initialFiles).length > 0) return versions.record({ kind: 'checkpoint', label: 'The project as it was saved', files: initialFiles });
    });
    wb.restore(initialMessages, initialFiles, actionStates);
    setWorkbench(wb);
    return () => wb.dispose();
    // One workbench per open chat; the initial data is read once.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [chat.id]);
  return workbench ? <ChatView {...props} workbench={workbench} /> : null;
}

function ChatView({ chat, initialMessages, workbench }: ChatSessionProps & { workbench: Workbench }) {
  const [model, setModel] = useState(chat.model);
  const { models, autoFixTokenBudget, agentBudget } = useModels();
  const priceOf = (id: string) => models.find((m) => m.id === id)?.price;
  const modelTools = models.find((m) => m.id === model)?.tools;
  const imageSupport = useImageSupport(models, model);
  // Read when a request is made (the transport is made once).
  const sendImages = useRef(true);
  sendImages.current = imageSupport.takesImages !== false;
  const imageSupportRef = useRef(imageSupport);
  imageSupportRef.current = imageSupport;
  /** Which images the last request left out, and why (shown under the chat). */
  const [imagesNote, setImagesNote] = useState<string | null>(null);
  const setImagesNoteRef = useRef(setImagesNote);
  const [agentOn, setAgentOn] = useState(chat.agent ?? false);
  const modelRef = useRef(model);
  modelRef.current = model;
  // Whether the request in progress is in agent mode; an agent's next steps go the same way.
  const agentRequest = useRef(false);
  const budget = useRef(agentBudget);
  budget.current = agentBudget;
  const agent = useMemo(() => new AgentRun(workbench.tools, () => budget.current), [workbench]);
  // Follow-ups carry the project's summary and the relevant files, not every file of every earlier answer.
  const transport = useMemo(
    () =>
      new DefaultChatTransport({
        api: '/api/chat',
        prepareSendMessagesRequest: ({ id, messages, body }) => {
          // Images go while the model takes them and the budget allows, the newest first; the chat keeps them all.
          const fitted = fitImages(messages, { sendImages: sendImages.current });
          setImagesNoteRef.current(fittedImagesNote(fitted, imageSupportRef.current.model));
          return {
            body: {
              ...body,
              model: modelRef.current,
              agent: agentRequest.current,
              id,
              messages: compactHistory(fitted.messages),
              context: workbench.takeRequestContext(requestText(messages.findLast((m) => m.role === 'user'), messageText(messages.findLast((m) => m.role === 'user') ?? messages[0]))),
            },
          };
        },
      }),
    [workbench],
  );
  // The chat object keeps the first callbacks it gets: they reach the current ones through this.
  const addOutput = useRef<(output: ToolOutput) => void>(() => {});
  const { messages, setMessages, sendMessage, status, error, stop, regenerate, clearError, addToolOutput } = useChat({
    id: chat.id,
    messages: initialMessages,
    transport,
    experimental_throttle: 40,
    // Agent mode: tool calls run here, on the chat's runtime; their results go back to the model
    // until it is done, a budget is spent or the user stops it.
    onToolCall: ({ toolCall }) => {
      if (!toolCall.dynamic) agent.call(toolCall, (output) => addOutput.current(output));
    },
    sendAutomaticallyWhen: ({ messages }) => agent.shouldContinue(messages),
    onFinish: ({ messages, isAbort, isError, isDisconnect }) => agent.finished(messages, isAbort || isError || isDisconnect),
  });
  addOutput.current = (output) => void addToolOutput(output as Parameters<typeof addToolOutput>[0]);
  const agentActive = useStore(agent.active);
  const agentNote = useStore(agent.note);
  const streaming = status === 'submitted' || status === 'streaming';
  const busy = streaming || agentActive;
  const messagesRef = useRef(messages);
  messagesRef.current = messages;
  const chatUsage = totalUsage(messages.map((m) => answerMetadata(m.metadata)), priceOf);
  const showWorkbench = useStore(workbench.visible);
  const picked = useStore(workbench.picks.picks);
  const problems = useStore(workbench.problems.active);
  const pageDropped = useStore(workbench.problems.pageDropped);
  const settledTurns = useStore(workbench.settledTurns);
  const versions = useStore(workbench.versions!.versions);
  const lastWorking = workbench.versions!.lastWorking(versions.at(-1)?.seq);
  const restoreLastWorking = (seq: number) => {
    workbench.restoreVersion(seq).catch(() => {}); // the Versions view and the alert's note say what failed
    workbench.panel.set('preview');
  };
  const [autoFixOn, setAutoFixOn] = useState(chat.autoFix ?? false);
  const autoFix = useMemo(() => new AutoFix(), []);
  const [autoFixNote, setAutoFixNote] = useState<string | null>(null);
  /** Auto-fix is waiting for a click on what the page reported (shown while those problems are there). */
  const [autoFixHeld, setAutoFixHeld] = useState<string | null>(null);
  const [pullRequestOpen, setPullRequestOpen] = useState(false);
  // The chat's Publisher is made (with its code) when Publish is first opened.
  const publish = useMemo((): PublishOptions => ({ record: chat.publish, save: (publish) => void updateChat(chat.id, { publish }) }), [chat.id]);
  const git = chat.git;

  // Feed the answer to the parser as it streams; close everything when the stream ends or fails.
  // An agent's answer stays open between its steps.
  useEffect(() => {
    if (status === 'error') workbench.stop(messages);
    else workbench.update(messages, busy);
  }, [messages, busy, status, workbench]);

  usePersistence(chat.id, messages, workbench);

  const send = (text: string, { images = [], asAgent = agentOn, withPicks = false }: { images?: ImageAttachment[]; asAgent?: boolean; withPicks?: boolean } = {}) => {
    clearError();
    agentRequest.current = asAgent && modelTools !== false;
    agent.begin();
    const files = images.map((image) => ({ type: 'file' as const, mediaType: image.mediaType, url: image.url, filename: image.name }));
    // Elements picked in the preview go with the person's own message (not with Fix it's).
    const picks = withPicks ? workbench.picks.take() : [];
    void sendMessage({ parts: [...files, ...(picks.length ? [picksPart(picks)] : []), ...(text ? [{ type: 'text' as const, text }] : [])] });
  };

  // Fix it works through the tools when the model can call them (it can run and check its fix).
  const fixAsAgent = agentOn || modelTools === true;
  const fix = () => void workbench.fixRequest().then((text) => send(text, { asAgent: fixAsAgent }));

  // Auto-fix: once an answer's actions have run and problems have stopped arriving for a moment,
  // the stop rules decide between another fix and stopping (with the reason shown).
  useEffect(() => {
    if (!autoFixOn || busy || problems.length === 0) return;
    let cancelled = false;
    const timer = setTimeout(() => {
      // Commands still queued may fail too, or fix it: decide once they have run.
      void workbench.runner.idle().then(() => {
        if (cancelled || workbench.problems.active.get().length === 0) return;
        const used = totalUsage(messagesRef.current.map((m) => answerMetadata(m.metadata)), () => undefined);
        const decision = autoFix.decide(workbench.problems.active.get(), autoFixTokenBudget === null ? undefined : { used: used.inputTokens + used.outputTokens, budget: autoFixTokenBudget }, { agent: fixAsAgent });
        setAutoFixHeld('held' in decision ? decision.held : null);
        if ('stop' in decision) setAutoFixNote(decision.stop);
        else if ('fix' in decision) void workbench.fixRequest(decision.fix).then((text) => send(text, { asAgent: fixAsAgent }));
      });
    }, AUTO_FIX_SETTLE_MS);
    return () => {
      cancelled = true;
      clearTimeout(timer);
    };
    // `send` is recreated each render; what matters is new problems, a settled turn, the switch.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [autoFixOn, busy, problems, settledTurns, workbench, autoFix]);

  const toggleAutoFix = (on: boolean) => {
    setAutoFixOn(on);
    void updateChat(chat.id, { autoFix: on });
    if (on) {
      autoFix.reset();
      setAutoFixNote(null);
    }
  };

  // The prompt typed on the landing page is kept with the chat until it is sent, so a reload
  // on the way (or a dev-server reload) does not lose it.
  const sentPending = useRef(false);
  useEffect(() => {
    const prompt = chat.pendingPrompt;
    const images = chat.pendingImages ?? [];
    if ((!prompt && images.length === 0) || sentPending.current || initialMessages.length > 0) return;
    // Deferred so that React's StrictMode double mount sends it once, from the mount that stays.
    const timer = setTimeout(() => {
      sentPending.current = true;
      void updateChat(chat.id, { pendingPrompt: undefined, pendingImages: undefined });
      send(prompt ?? '', { images });
    }, 0);
    return () => clearTimeout(timer);
    // Once, on arrival from the landing page.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);

  // An agent's step that failed is asked again with the results it has (regenerating would drop
  // the answer's earlier steps); any other failed answer is asked for again.
  const retry = () => {
    clearError();
    if (lastAssistantMessageIsCompleteWithToolCalls({ messages })) void sendMessage();
    else void regenerate();
  };

  const onStop = () => {
    agent.stop();
    void stop();
    workbench.stop(messages);
  };

  const changeModel = (id: string) => {
    setModel(id);
    void updateChat(chat.id, { model: id });
  };

  const toggleAgent = (on: boolean) => {
    setAgentOn(on);
    void updateChat(chat.id, { agent: on });
  };

  return (
    <div className="flex h-full min-h-0">
      <div className={`flex min-w-0 flex-col ${showWorkbench ? 'w-[35%] min-w-80' : 'mx-auto w-full max-w-3xl'}`}>
        <div className="min-h-0 flex-1 overflow-y-auto p-4">
          <MessageList messages={messages} workbench={workbench} agent={agent} streaming={streaming} priceOf={priceOf} />
          {problems.length > 0 && (
            <Suspense fallback={null}>
              <ProblemAlert
                problems={problems}
                pageDropped={pageDropped}
                busy={busy}
                onFix={fix}
                onDismiss={() => problems.forEach((p) => workbench.problems.dismiss(p.signature))}
                lastWorking={lastWorking}
                onRestore={restoreLastWorking}
              />
            </Suspense>
          )}
          <RestoreNote workbench={workbench} />
          {agentNote && (
            <p role="status" aria-label="Agent" className="mt-3 rounded-lg border border-gray-300 p-3 text-sm dark:border-gray-700">
              {agentNote}
            </p>
          )}
          {imagesNote && (
            <p role="status" aria-label="Images" className="mt-3 rounded-lg border border-gray-300 p-3 text-sm dark:border-gray-700">
              {imagesNote}
            </p>
          )}
          {autoFixNote && (
            <p role="status" className="mt-3 rounded-lg border border-gray-300 p-3 text-sm dark:border-gray-700">
              {autoFixNote}
            </p>
          )}
          {autoFixOn && autoFixHeld && problems.some((p) => p.origin === 'page') && (
            <p role="status" className="mt-3 rounded-lg border border-gray-300 p-3 text-sm dark:border-gray-700">
              {autoFixHeld}
            </p>
          )}
          {pullRequestOpen && git && (
            <Suspense fallback={<p className="muted mt-3 text-xs">Loading…</p>}>
              <PullRequestCard
                git={git}
                model={model}
                files={() => workbench.files.snapshot()}
                messages={messages}
                // The link becomes part of the chat (saved with it).
                onOpened={(pr) => setMessages((all) => [...all, { id: `pr-${pr.number}-${Date.now()}`, role: 'assistant', parts: [{ type: 'text', text: `Opened pull request #${pr.number} on ${git.repo} (branch ${pr.branch}): ${pr.title}\n\n${pr.url}` }] }])}
                onClose={() => setPullRequestOpen(false)}
              />
            </Suspense>
          )}
          {error && (
            <div role="alert" className="mt-3 rounded-lg border border-red-300 bg-red-50 p-3 text-sm text-red-800 dark:border-red-800 dark:bg-red-950/40 dark:text-red-200">
              <p>{error.message || 'The request failed.'}</p>
              <button type="button" className="btn-ghost mt-2" onClick={retry}>
                Retry
              </button>
            </div>
          )}
        </div>
        <div className="p-3">
          {git && (
            <div className="muted mb-2 flex items-center justify-between gap-2 text-xs">
              <span className="truncate" title={git.url}>
                From GitHub: {git.repo} · {git.branch} at {git.commit.slice(0, 7)}
              </span>
              <button type="button" className="btn-ghost shrink-0 whitespace-nowrap px-2 py-0.5 text-xs" disabled={busy || pullRequestOpen} title={`Commit this project on a new branch of ${git.repo} and open a pull request`} onClick={() => setPullRequestOpen(true)}>
                Create pull request
              </button>
            </div>
          )}
          <PromptBox
            onSend={(text, images) => send(text, { images, withPicks: true })}
            onStop={onStop}
            busy={busy}
            placeholder="Ask for a change…"
            draftKey={chat.id}
            imageSupport={imageSupport}
            chips={<PickChips picks={workbench.picks} />}
            hasContext={picked.length > 0}
          >
            <ModelPicker value={model} onChange={changeModel} models={models} />
            {chatUsage.inputTokens + chatUsage.outputTokens > 0 && (
              <span className="muted text-xs" aria-label="Tokens used in this chat" title="Tokens this chat has used, as the provider counted them, and their cost where the model list gives a price">
                Chat: {formatUsage(chatUsage, chatUsage.cost)}
              </span>
            )}
            <label className="flex items-center gap-1 text-xs" title={`When the app fails, ask the model for a fix by itself (at most ${autoFix.options.maxAttempts} tries per problem)`}>
              <input type="checkbox" checked={autoFixOn} onChange={(e) => toggleAutoFix(e.target.checked)} />
              Auto-fix
            </label>
            <label
              className={`flex items-center gap-1 text-xs ${modelTools === false ? 'opacity-50' : ''}`}
              title={
                modelTools === false
                  ? 'This model cannot call tools: pick one marked "tools" for agent mode'
                  : `The model works through tools: runs commands, reads, searches and edits files, checks its work (at most ${agentBudget.maxSteps} steps per request)`
              }
            >
              <input type="checkbox" checked={agentOn && modelTools !== false} disabled={modelTools === false} onChange={(e) => toggleAgent(e.target.checked)} />
              Agent
            </label>
          </PromptBox>
        </div>
      </div>
      {showWorkbench && (
        <div className="min-w-0 flex-1">
          <WorkbenchView workbench={workbench} publish={publish} title={chat.title} />
        </div>
      )}
    </div>
  );
}

/** A restore under way, or why the last one failed, under the chat (the Versions view shows the same). */
function RestoreNote({ workbench }: { workbench: Workbench }) {
  const restoring = useStore(workbench.checkpoints!.restoring);
  const note = useStore(workbench.checkpoints!.note);
  if (!restoring && !note) return null;
  return (
    <p role="status" aria-label="Restore" className="mt-3 rounded-lg border border-gray-300 p-3 text-sm dark:border-gray-700">
      {restoring ? `Restoring v${restoring.seq}: ${restoring.step}…` : note}
    </p>
  );
}

/** How long problems must stop arriving before auto-fix acts on them. */
const AUTO_FIX_SETTLE_MS = 1500;

/** Saves messages, action states and files shortly after any of them changes, and on leaving the chat. */
function usePersistence(chatId: string, messages: UIMessage[], workbench: Workbench) {
  const latest = useRef(messages);
  latest.current = messages;
  const schedule = useRef<() => void>(() => {});
  useEffect(() => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const save = () => {
      timer = undefined;
      if (latest.current.length > 0) void saveMessages({ chatId, messages: latest.current, actionStates: workbench.runner.statuses() });
      void saveFiles({ chatId, files: workbench.files.snapshot() });
    };
    schedule.current = () => {
      timer ??= setTimeout(save, SAVE_DELAY_MS);
    };
    const stops = [workbench.files.files.listen(() => schedule.current()), workbench.runner.actions.listen(() => schedule.current())];
    return () => {
      stops.forEach((stop) => stop());
      if (timer) {
        clearTimeout(timer);
        save();
      }
    };
  }, [chatId, workbench]);
  useEffect(() => schedule.current(), [messages]);
}
