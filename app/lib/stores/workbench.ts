import { PreviewPicks } from '../preview/preview-picks';
import { isToolUIPart, type UIMessage } from 'ai';
import type { AgentToolDeps, AgentTools } from '../agent/agent-tools';
import { toolNameOfPart } from '../agent/tool-specs';
import { atom, computed, map } from 'nanostores';
import { StreamingArtifactParser, type ParserEvent } from '../artifact/artifact-parser';
import { ActionRunner, type ActionStatus } from '../runtime/action-runner';
import { CloudRuntime, type CloudRuntimeOptions } from '../runtime/cloud-runtime';
import type { Runtime } from '../runtime/runtime';
import { FilesStore } from './files';
import { ProjectSync } from '../runtime/project-sync';
import { RuntimeController, type RuntimeControllerDeps, type RuntimeRecord } from '../runtime/runtime-controller';
import { TerminalStore } from './terminal';
import { ProblemsStore } from '../problems/problems-store';
import { errorMessage } from '../error-message';
import type { Problem } from '../problems/problem';
import { buildProjectContext, type ProjectContext } from '../llm/project-context';
import { Checkpoints, WORKING_AFTER_MS } from '../versions/checkpoints';
import type { VersionHistory } from '../versions/version-history';

/** What an assistant message shows: its prose, with each artifact's card and each agent tool call's card in its place. */
export type MessageBlock = { type: 'text'; text: string } | { type: 'artifact'; artifactKey: string } | { type: 'tool'; toolCallId: string };

interface MessageParse {
  parser: StreamingArtifactParser;
  /** Characters of the message's text fed to the parser. */
  consumed: number;
  /** Tool calls given a block. */
  tools: Set<string>;
  ended: boolean;
}

export interface WorkbenchOptions {
  /** The chat id: what the cloud sandbox is labelled with. */
  project: string;
  createBrowserRuntime: () => Runtime;
  createCloudRuntime?: (options: CloudRuntimeOptions) => Runtime;
  runtimeRecord?: RuntimeRecord;
  saveRuntimeRecord?: (record: RuntimeRecord) => void;
  /** Registry facts for routing (the app asks its server); without it the router's lists decide. */
  lookupPackages?: RuntimeControllerDeps['lookupPackages'];
  /** The chat's versions: without it no versions are made (tests of other parts). */
  versions?: VersionHistory;
  /** How long the app must run without a problem after a version to count as working (tests shorten it). */
  workingAfterMs?: number;
  /** Files the user locked, and where to save the list when it changes. */
  locked?: string[];
  saveLocked?: (paths: string[]) => void;
}


/**
 * The open chat's workbench: the files, the terminal, the action runner, the runtime controller
 * and ProjectSync, and the glue that feeds assistant messages through the parser into the runner
 * and the router. The runner and the editor write only to the files store; ProjectSync alone
 * copies it into the runtime. UI components read its stores; none of them touches a runtime.
 */
export class Workbench {
  readonly files = new FilesStore();
  readonly terminal = new TerminalStore();
  readonly runner: ActionRunner;
  readonly runtime: RuntimeController;
  /** Files the model may not change (the runner and the tools refuse; restores and command read-backs leave them). */
  readonly locked = atom<string[]>([]);
  readonly sync = new ProjectSync(this.files, this.terminal, { protect: (path) => this.isLocked(path) });
  /** Versions: made when a turn settles, restored on request (absent without a version history). */
  readonly checkpoints?: Checkpoints;
  readonly versions?: VersionHistory;
  /** What the workbench shows, and the two versions the Versions view compares (older, newer). */
  readonly panel = atom<'code' | 'preview' | 'versions'>('code');
  readonly compare = atom<{ from: number; to: number } | null>(null);
  /** Agent mode's tools, acting on the active runtime and the files store (their code loads with the first tool call). */
  readonly tools: Pick<AgentTools, 'execute'>;
  /** What failed: commands, the app's server, the preview page. */
  readonly problems = new ProblemsStore();
  /** Counts the answers whose actions have all run (auto-fix and the preview reload follow it). */
  readonly settledTurns = atom(0);
  /** True while an answer (or an agent's run) is still coming, so more actions may follow. */
  readonly answering = atom(false);
  /** Raised to make the preview load again (after a fix has run). */
  readonly previewReloads = atom(0);
  /** Select mode in the preview, and the elements picked there for the next message. */
  readonly picks = new PreviewPicks();
  readonly selectedFile = atom<string | null>(null);
  readonly blocks = map<Record<string, MessageBlock[]>>({});
  readonly visible = computed([this.files.files], (files) => Object.keys(files).length > 0);
  #parses = new Map<string, MessageParse>();
  #prompt = '';
  /** The project when it last ran without problems for a while after an answer (null: never). */
  #lastGood: Record<string, string> | null = null;
  #goodTimer?: ReturnType<typeof setTimeout>;
  #fixPending = false;
  /** Files the user changed in the editor since the last request (told to the model as such). */
  #edited = new Set<string>();
  /** What the model last wrote to each file (from its answers, live or restored). */
  #modelWrote = new Map<string, string>();
  /** What the next request tells the model that it cannot see in the files (a restore, refused writes). */
  #notes: string[] = [];
  #lockedRefused = new Set<string>();
  /** Each answer's request (the user message before it): its version's label. */
  #requests = new Map<string, string>();
  #saveLocked: (paths: string[]) => void;
  #unsubscribe: Array<() => void> = [];
  /** The chat id (the downloaded zip is named after it). */
  readonly project: string;

  constructor(options: WorkbenchOptions) {
    this.project = options.project;
    this.locked.set(options.locked ?? []);
    this.#saveLocked = options.saveLocked ?? (() => {});
    this.runtime = new RuntimeController(
      {
        project: options.project,
        sync: this.sync,
        terminal: this.terminal,
        commands: () => this.runner.replayPlan(this.files.files.get()['package.json']),
        createBrowser: options.createBrowserRuntime,
        createCloud: options.createCloudRuntime ?? ((o) => new CloudRuntime(o)),
        save: options.saveRuntimeRecord ?? (() => {}),
        lookupPackages: options.lookupPackages,
        onProblem: (problem) => this.problems.report(problem),
      },
      options.runtimeRecord,
    );
    this.runner = new ActionRunner({
      files: {
        open: (path) => {
          this.files.open(path);
          this.selectedFile.set(path);
        },
        append: (path, text) => this.files.append(path, text),
        release: (path, content) => this.files.release(path, content),
      },
      terminal: this.terminal,
      awaitRuntime: () => this.runtime.awaitRuntime(),
      onCommandFailed: (output) => this.runtime.commandFailed(output),
      afterCommand: () => void this.sync.readBack(),
      onProblem: (problem) => this.problems.report(problem),
      isLocked: (path) => this.isLocked(path),
      onLockedWrite: (path) => this.#lockedRefused.add(path),
    });
    const toolDeps: AgentToolDeps = {
      files: this.files,
      awaitRuntime: () => this.runtime.awaitRuntime(),
      afterCommand: () => this.sync.readBack(),
      problems: () => this.problems.active.get(),
      terminal: this.terminal,
      isLocked: (path) => this.isLocked(path),
      onWrite: (path, content) => {
        this.selectedFile.set(path);
        this.#modelWrote.set(path, content);
        this.#edited.delete(path);
      },
    };
    let tools: Promise<AgentTools> | undefined;
    const loadTools = () =>
      (tools ??= import('../agent/agent-tools').then(
        ({ AgentTools }) => new AgentTools(toolDeps),
        (error: unknown) => {
          tools = undefined;
          throw error;
        },
      ));
    this.tools = { execute: async (name, input, signal) => (await loadTools()).execute(name, input, signal) };
    // Problems the runtime itself sees (the browser runtime's preview errors).
    let stopWatching: (() => void) | undefined;
    this.#unsubscribe.push(
      this.runtime.current.subscribe((runtime) => {
        stopWatching?.();
        stopWatching = runtime?.capabilities.onProblem?.((problem) => this.problems.report(problem));
      }),
      () => stopWatching?.(),
      this.problems.onReport(() => clearTimeout(this.#goodTimer)),
    );
    this.versions = options.versions;
    if (options.versions) {
      this.checkpoints = new Checkpoints({
        history: options.versions,
        files: this.files,
        sync: this.sync,
        runtime: this.runtime,
        problems: this.problems,
        terminal: this.terminal,
        locked: () => new Set(this.locked.get()),
        expectServerStop: () => {
          this.runner.expectServerStop();
          this.runtime.expectServerStop();
        },
        workingAfterMs: options.workingAfterMs,
      });
    }
  }

  /** Opens the Versions view on what version `seq` changed (against the one before it). */
  showChanges(seq: number, from = seq - 1) {
    this.compare.set({ from, to: seq });
    this.panel.set('versions');
  }

  isLocked(path: string): boolean {
    return this.locked.get().includes(path);
  }

  /** Locks or unlocks a file (saved with the chat). */
  setLocked(path: string, on: boolean) {
    const paths = new Set(this.locked.get());
    if (on) paths.add(path);
    else paths.delete(path);
    this.locked.set([...paths].sort());
    this.#saveLocked(this.locked.get());
  }

  /**
   * Restores version `seq` (see Checkpoints.restore); the next request tells the model, and the
   * restored files no longer count as the user's edits.
   */
  async restoreVersion(seq: number, options: { includeLocked?: boolean } = {}) {
    if (!this.checkpoints || !this.versions) throw new Error('This chat keeps no versions.');
    if ([...this.#parses.values()].some((parse) => !parse.ended)) throw new Error('An answer is still coming in: stop it or let it finish before restoring a version.');
    const label = this.versions.get(seq)?.label;
    const restored = await this.checkpoints.restore(seq, options);
    const kept = options.includeLocked ? [] : this.locked.get();
    // The files are the version's now, not edits of the user's.
    for (const path of Object.keys(this.files.files.get())) if (!kept.includes(path)) this.#edited.delete(path);
    this.#notes.push(`The user restored the project to version ${seq}${label ? ` ("${label}")` : ''}: every file is as it was then${kept.length ? ', except the locked files' : ''}, so changes made after that version are undone.`);
    return restored;
  }

  /**
   * The follow-up that asks the model to fix the current problems (or the given ones); the
   * problems are cleared, since what fails after the fix is news, and the preview reloads once
   * the fix has run. The problems and files are taken at once; the request's wording is loaded
   * with the problem alert (loaded here if it is not yet).
   */
  async fixRequest(problems: readonly Problem[] = this.problems.active.get()): Promise<string> {
    const input = { problems, files: this.files.snapshot(), lastGood: this.#lastGood, pageDropped: this.problems.pageDropped.get() };
    const { fixRequest } = await import('../problems/fix-request');
    this.problems.clear(problems);
    this.#fixPending = true;
    return fixRequest(input);
  }

  /** Restores a saved chat: cards come back with their saved states, and the project is brought up again. */
  restore(messages: UIMessage[], files: Record<string, string>, saved: Record<string, ActionStatus>) {
    this.files.replaceAll(files);
    for (const message of messages) {
      if (message.role === 'user') this.#prompt ||= messageText(message);
      if (message.role !== 'assistant') continue;
      this.#requests.set(message.id, requestBefore(messages, message));
      const parse = this.#newParse(message.id);
      this.#feed(message, parse, { saved });
      parse.ended = true;
      this.#apply(message.id, parse.parser.end(), { saved });
      this.#agentWrites(message);
    }
    this.#route();
    // Edits made before the reload that no request has told the model about yet.
    for (const [path, content] of this.#modelWrote) if (path in files && files[path] !== content) this.#edited.add(path);
    const first = Object.keys(files).sort()[0];
    if (first) {
      this.selectedFile.set(first);
      void this.runtime.bringUp();
    }
  }

  /**
   * Feeds the assistant messages' new text to their parsers. `streaming` is true while the last
   * message may still grow; every other message is complete.
   */
  update(messages: UIMessage[], streaming: boolean) {
    this.answering.set(streaming);
    const prompt = messages.find((m) => m.role === 'user');
    if (prompt && !this.#prompt) {
      this.#prompt = messageText(prompt);
      this.#route();
    }
    messages.forEach((message, index) => {
      if (message.role !== 'assistant') return;
      if (!this.#requests.has(message.id)) this.#requests.set(message.id, requestBefore(messages, message));
      const parse = this.#parses.get(message.id) ?? this.#newParse(message.id);
      if (parse.ended) {
        // An ended answer that goes on (an agent's step retried after an error): a new parse of what follows.
        if (!this.#grown(message, parse)) return;
        parse.parser = new StreamingArtifactParser();
        parse.ended = false;
      }
      this.#feed(message, parse);
      const complete = !streaming || index < messages.length - 1;
      if (complete) this.#end(message.id, parse);
    });
  }

  #newParse(messageId: string): MessageParse {
    const parse = { parser: new StreamingArtifactParser(), consumed: 0, tools: new Set<string>(), ended: false };
    this.#parses.set(messageId, parse);
    return parse;
  }

  /** Feeds the message's new text to its parser, and gives each new tool call a block, in the order of its parts. */
  #feed(message: UIMessage, parse: MessageParse, replay?: { saved: Record<string, ActionStatus> }) {
    let offset = 0;
    for (const part of message.parts) {
      if (part.type === 'text') {
        const end = offset + part.text.length;
        if (end > parse.consumed) {
          this.#apply(message.id, parse.parser.push(part.text.slice(Math.max(0, parse.consumed - offset))), replay);
          parse.consumed = end;
        }
        offset = end;
      } else if (isToolUIPart(part) && !parse.tools.has(part.toolCallId)) {
        parse.tools.add(part.toolCallId);
        this.blocks.setKey(message.id, [...(this.blocks.get()[message.id] ?? []), { type: 'tool', toolCallId: part.toolCallId }]);
      }
    }
  }

  #grown(message: UIMessage, parse: MessageParse): boolean {
    return messageText(message).length > parse.consumed || message.parts.some((part) => isToolUIPart(part) && !parse.tools.has(part.toolCallId));
  }

  /** What a restored agent answer wrote, so that it is not taken for the user's edits. */
  #agentWrites(message: UIMessage) {
    for (const part of message.parts) {
      if (!isToolUIPart(part) || part.state !== 'output-available') continue;
      const name = toolNameOfPart(part.type);
      const input = part.input as { path?: string; content?: string; oldText?: string; newText?: string };
      const path = (part.output as { path?: string } | undefined)?.path;
      if (!path) continue;
      if (name === 'write_file' && typeof input.content === 'string') this.#modelWrote.set(path, input.content);
      if (name === 'edit_file' && typeof input.oldText === 'string' && typeof input.newText === 'string') {
        const before = this.#modelWrote.get(path);
        if (before !== undefined) this.#modelWrote.set(path, before.replace(input.oldText, () => input.newText!));
      }
    }
  }

  /** An answer has ended: once its actions have run, the turn is settled (and becomes a version). */
  #afterAnswer(messageId: string) {
    void this.runner.idle().then(() => {
      this.settledTurns.set(this.settledTurns.get() + 1);
      void this.checkpoints?.turnSettled({ messageId, label: this.#requests.get(messageId) || 'Answer' }).catch((error: unknown) => this.terminal.error(`Could not keep this version: ${errorMessage(error)}`));
      if (this.#fixPending) {
        this.#fixPending = false;
        this.previewReloads.set(this.previewReloads.get() + 1);
      }
      // The project counts as working if nothing fails for a while after the answer's actions ran.
      const snapshot = this.files.snapshot();
      clearTimeout(this.#goodTimer);
      if (this.problems.active.get().length > 0) return;
      this.#goodTimer = setTimeout(() => {
        if (this.problems.active.get().length === 0) this.#lastGood = snapshot;
      }, WORKING_AFTER_MS);
    });
  }

  /** The answer stopped (Stop, or an error): close what was open and abort queued work. */
  stop(messages: UIMessage[]) {
    this.update(messages, false);
    this.runner.abort();
  }

  /** Resolves once no answer is coming and every action it wrote has run: the project as the chat has it. */
  async settled(): Promise<void> {
    if (this.answering.get()) {
      await new Promise<void>((resolve) => {
        const off = this.answering.listen((answering) => {
          if (answering) return;
          off();
          resolve();
        });
      });
    }
    await this.runner.idle();
  }

  /** A user edit in the editor: saved in the project (ProjectSync copies it into the runtime). */
  editFile(path: string, content: string) {
    this.files.set(path, content);
    this.#edited.add(path);
  }

  /**
   * What the next request tells the model about the project (file list, the files relevant to
   * `request`, the user's edits since the last request); the edits are then counted as told.
   */
  takeRequestContext(request: string): ProjectContext {
    if (this.#lockedRefused.size) this.#notes.push(`Your last answer wrote files the user locked; they were not changed: ${[...this.#lockedRefused].join(', ')}.`);
    const context = buildProjectContext({ files: this.files.files.get(), request, edited: [...this.#edited], locked: this.locked.get(), notes: this.#notes });
    this.#edited.clear();
    this.#lockedRefused.clear();
    this.#notes = [];
    return context;
  }

  #end(messageId: string, parse: MessageParse) {
    parse.ended = true;
    this.#apply(messageId, parse.parser.end());
    this.files.streamingPath = null;
    this.#afterAnswer(messageId);
  }

  #apply(messageId: string, events: ParserEvent[], replay?: { saved: Record<string, ActionStatus> }) {
    if (events.length === 0) return;
    const blocks = [...(this.blocks.get()[messageId] ?? [])];
    let actionsChanged = false;
    for (const event of events) {
      this.runner.handle(messageId, event, replay);
      const last = blocks[blocks.length - 1];
      if (event.type === 'text') {
        if (last?.type === 'text') blocks[blocks.length - 1] = { type: 'text', text: last.text + event.text };
        else blocks.push({ type: 'text', text: event.text });
      } else if (event.type === 'artifact-open') {
        const artifact = Object.values(this.runner.artifacts.get()).findLast((a) => a.messageId === messageId);
        if (artifact) blocks.push({ type: 'artifact', artifactKey: artifact.key });
      } else if (event.type === 'action-open' || event.type === 'action-close') {
        actionsChanged = true;
        if (event.type === 'action-close' && event.complete && event.action?.type === 'file' && this.runner.actions.get()[`${messageId}:${event.actionId}`]?.status.state !== 'failed') {
          this.#modelWrote.set(event.action.filePath, event.action.content);
          // The model's new version replaces an edit of the user's.
          if (!replay) this.#edited.delete(event.action.filePath);
        }
      }
    }
    this.blocks.setKey(messageId, blocks);
    if (actionsChanged && !replay) this.#route();
  }

  /** The router reads the prompt, the files and the commands so far. */
  #route() {
    const commands = Object.values(this.runner.actions.get())
      .map((a) => a.command)
      .filter((c): c is string => !!c);
    this.runtime.update({ prompt: this.#prompt, files: this.files.snapshot(), commands });
  }

  dispose() {
    clearTimeout(this.#goodTimer);
    this.checkpoints?.dispose();
    for (const unsubscribe of this.#unsubscribe.splice(0)) unsubscribe();
    this.runner.abort();
    this.runtime.dispose();
  }
}


/** The request an answer answers (the user message before it), one line: its version's label. */
function requestBefore(messages: UIMessage[], answer: UIMessage): string {
  const index = messages.indexOf(answer);
  const request = messages.slice(0, index).findLast((m) => m.role === 'user');
  const line = request ? messageText(request).trim().split('\n')[0].replace(/\s+/g, ' ') : '';
  return line.length > 80 ? `${line.slice(0, 77)}…` : line;
}

export function messageText(message: UIMessage): string {
  let text = '';
  for (const part of message.parts) if (part.type === 'text') text += part.text;
  return text;
}
