import type { UIMessage } from 'ai';
import { atom, computed, map } from 'nanostores';
import { StreamingArtifactParser, type ParserEvent } from '../artifact/artifact-parser';
import { ActionRunner, type ActionStatus } from '../runtime/action-runner';
import type { PreviewInfo, Runtime } from '../runtime/runtime';
import { FilesStore } from './files';
import { TerminalStore } from './terminal';

export type RuntimeState =
  | { state: 'idle' }
  | { state: 'booting'; since: number }
  | { state: 'ready'; kind: Runtime['kind'] }
  | { state: 'unavailable'; message: string };

/** What an assistant message shows: its prose, with each artifact's card in its place. */
export type MessageBlock = { type: 'text'; text: string } | { type: 'artifact'; artifactKey: string };

interface MessageParse {
  parser: StreamingArtifactParser;
  consumed: number;
  ended: boolean;
}

/**
 * The open chat's workbench: the files, the terminal, the action runner and the runtime, and the
 * glue that feeds assistant messages through the parser into the runner. UI components read its
 * stores; none of them touches the runtime directly.
 */
export class Workbench {
  readonly files = new FilesStore();
  readonly terminal = new TerminalStore();
  readonly runner: ActionRunner;
  readonly runtimeState = atom<RuntimeState>({ state: 'idle' });
  readonly previews = atom<PreviewInfo[]>([]);
  readonly selectedFile = atom<string | null>(null);
  readonly blocks = map<Record<string, MessageBlock[]>>({});
  readonly visible = computed([this.files.files], (files) => Object.keys(files).length > 0);
  #parses = new Map<string, MessageParse>();
  #runtime: Runtime | null = null;
  /** Resolves once the runtime is ready and holds the project's files. */
  #ready?: Promise<Runtime>;
  #createRuntime: () => Runtime;
  #disposers: Array<() => void> = [];

  constructor(options: { createRuntime: () => Runtime }) {
    this.#createRuntime = options.createRuntime;
    this.runner = new ActionRunner({
      files: {
        open: (path) => {
          this.files.open(path);
          this.selectedFile.set(path);
          this.ensureRuntime();
        },
        append: (path, text) => this.files.append(path, text),
      },
      terminal: this.terminal.write,
      readyRuntime: () => (this.runtimeState.get().state === 'ready' ? this.#runtime : null),
      awaitRuntime: () => {
        this.ensureRuntime();
        return this.#ready!;
      },
    });
  }

  /** Restores a saved chat: cards come back with their saved states and nothing is run again. */
  restore(messages: UIMessage[], files: Record<string, string>, saved: Record<string, ActionStatus>) {
    this.files.replaceAll(files);
    for (const message of messages) {
      if (message.role !== 'assistant') continue;
      const parser = new StreamingArtifactParser();
      const text = messageText(message);
      this.#apply(message.id, [...parser.push(text), ...parser.end()], { saved });
      this.#parses.set(message.id, { parser, consumed: text.length, ended: true });
    }
    const first = Object.keys(files).sort()[0];
    if (first) this.selectedFile.set(first);
    if (first) this.ensureRuntime();
  }

  /**
   * Feeds the assistant messages' new text to their parsers. `streaming` is true while the last
   * message may still grow; every other message is complete.
   */
  update(messages: UIMessage[], streaming: boolean) {
    messages.forEach((message, index) => {
      if (message.role !== 'assistant') return;
      let parse = this.#parses.get(message.id);
      if (!parse) {
        parse = { parser: new StreamingArtifactParser(), consumed: 0, ended: false };
        this.#parses.set(message.id, parse);
      }
      if (parse.ended) return;
      const text = messageText(message);
      if (text.length > parse.consumed) {
        this.#apply(message.id, parse.parser.push(text.slice(parse.consumed)));
        parse.consumed = text.length;
      }
      const complete = !streaming || index < messages.length - 1;
      if (complete) this.#end(message.id, parse);
    });
  }

  /** The answer stopped (Stop, or an error): close what was open and abort queued work. */
  stop(messages: UIMessage[]) {
    this.update(messages, false);
    this.runner.abort();
  }

  #end(messageId: string, parse: MessageParse) {
    parse.ended = true;
    this.#apply(messageId, parse.parser.end());
    this.files.streamingPath = null;
  }

  #apply(messageId: string, events: ParserEvent[], replay?: { saved: Record<string, ActionStatus> }) {
    if (events.length === 0) return;
    const blocks = [...(this.blocks.get()[messageId] ?? [])];
    for (const event of events) {
      this.runner.handle(messageId, event, replay);
      const last = blocks[blocks.length - 1];
      if (event.type === 'text') {
        if (last?.type === 'text') blocks[blocks.length - 1] = { type: 'text', text: last.text + event.text };
        else blocks.push({ type: 'text', text: event.text });
      } else if (event.type === 'artifact-open') {
        const artifact = Object.values(this.runner.artifacts.get()).findLast((a) => a.messageId === messageId);
        if (artifact) blocks.push({ type: 'artifact', artifactKey: artifact.key });
      }
    }
    this.blocks.setKey(messageId, blocks);
  }

  /** A user edit in the editor: saved in the project and written through to the runtime. */
  editFile(path: string, content: string) {
    this.files.set(path, content);
    const runtime = this.#runtime;
    if (runtime && this.runtimeState.get().state === 'ready') {
      void runtime.writeFiles({ [path]: content }).catch((error: unknown) => {
        this.terminal.write(`\x1b[31mCould not save ${path} to the runtime: ${error instanceof Error ? error.message : String(error)}\x1b[0m\r\n`);
      });
    }
  }

  /** Starts the runtime once, then copies the project into it. */
  ensureRuntime() {
    if (this.#runtime) return;
    const runtime = this.#createRuntime();
    this.#runtime = runtime;
    this.runtimeState.set({ state: 'booting', since: Date.now() });
    this.#disposers.push(runtime.onPreview((preview) => this.previews.set([...this.previews.get().filter((p) => p.port !== preview.port), preview])));
    this.#ready = runtime.ready().then(
      async () => {
        await runtime.writeFiles(this.files.snapshot());
        this.runtimeState.set({ state: 'ready', kind: runtime.kind });
        return runtime;
      },
      (error: unknown) => {
        const reason = error instanceof Error ? error.message : String(error);
        const where = runtime.kind === 'browser' ? 'The in-browser runtime' : 'The cloud sandbox';
        const message = `${where} could not start: ${reason}.`;
        this.runtimeState.set({ state: 'unavailable', message: `${message} Your files are kept and can still be edited.` });
        throw new Error(`${message} The command was not run.`);
      },
    );
    // Rejections are reported through runtimeState and to each command that awaits it.
    this.#ready.catch(() => {});
  }

  dispose() {
    this.runner.abort();
    this.runner.stopServers();
    for (const dispose of this.#disposers) dispose();
    void this.#runtime?.dispose();
  }
}

export function messageText(message: UIMessage): string {
  let text = '';
  for (const part of message.parts) if (part.type === 'text') text += part.text;
  return text;
}

/** The workbench of the chat on screen. */
export const currentWorkbench = atom<Workbench | null>(null);
