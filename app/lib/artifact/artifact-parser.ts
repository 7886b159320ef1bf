import { FileContentShaper } from './file-content';
import { checkProjectPath } from './file-path';

/**
 * Incremental parser for the bolt artifact format:
 *   <boltArtifact id="…" title="…"> <boltAction type="file|shell|start" filePath="…">…</boltAction> </boltArtifact>
 *
 * `push(delta)` takes only new text and never rescans what it has consumed: at most a tag-sized tail
 * is held back across calls, so the work is linear in the stream. The same events come out however
 * the text is chunked (file deltas may be split differently; their concatenation is the same).
 * It never throws: malformed markup degrades to prose or to a failed action with a reason.
 */

export type ActionType = 'file' | 'shell' | 'start';

export interface ArtifactInfo {
  id: string;
  title: string;
}

export type ParsedAction =
  | { type: 'file'; filePath: string; content: string }
  | { type: 'shell'; command: string }
  | { type: 'start'; command: string };

export type ParserEvent =
  | { type: 'text'; text: string }
  | { type: 'artifact-open'; artifact: ArtifactInfo }
  | { type: 'artifact-close'; artifactId: string }
  /** `filePath` is set for file actions; `error` when the action is rejected (its content is then skipped). */
  | { type: 'action-open'; actionId: number; artifactId: string; actionType: ActionType | 'unknown'; filePath?: string; error?: string }
  | { type: 'file-delta'; actionId: number; text: string }
  /** `complete` is false when the answer ended (or the artifact closed) before `</boltAction>`. */
  | { type: 'action-close'; actionId: number; artifactId: string; action: ParsedAction | null; complete: boolean; error?: string };

const ARTIFACT_OPEN = '<boltArtifact';
const ARTIFACT_CLOSE = '</boltArtifact>';
const ACTION_OPEN = '<boltAction';
const ACTION_CLOSE = '</boltAction>';
/** An opening tag longer than this is not a tag but prose that happens to start like one. */
const MAX_TAG_LENGTH = 4096;

type Mode = 'text' | 'artifact' | 'action';

interface OpenAction {
  id: number;
  type: ActionType | 'unknown';
  filePath?: string;
  rejected?: string;
  content: string[];
  /** File actions only: drops the leading line break and trailing blank lines as they stream. */
  shaper?: FileContentShaper;
}

export class StreamingArtifactParser {
  #buf = '';
  #mode: Mode = 'text';
  #artifact: ArtifactInfo | null = null;
  #action: OpenAction | null = null;
  #nextActionId = 0;
  #artifactCount = 0;
  #ended = false;
  #events: ParserEvent[] = [];
  #pendingText = '';
  #pendingDelta = '';
  /** How far past its `<` a partially received opening tag has already been searched for `>`. */
  #tagScanned = 0;
  /** The quote character an unfinished opening tag is inside, if any. */
  #tagQuote = '';
  /** Characters examined so far; exposed so tests can assert linear work. */
  charsScanned = 0;

  push(delta: string): ParserEvent[] {
    if (this.#ended || delta.length === 0) return [];
    this.#buf += delta;
    this.#drain(false);
    return this.#flush();
  }

  end(): ParserEvent[] {
    if (this.#ended) return [];
    this.#drain(true);
    this.#ended = true;
    if (this.#mode === 'action') this.#closeAction(false);
    if (this.#mode === 'artifact') this.#closeArtifact();
    return this.#flush();
  }

  #flush(): ParserEvent[] {
    this.#emitPendingText();
    this.#emitPendingDelta();
    const out = this.#events;
    this.#events = [];
    return out;
  }

  #drain(final: boolean) {
    const buf = this.#buf;
    let i = 0;
    while (i < buf.length) {
      const lt = buf.indexOf('<', i);
      this.charsScanned += (lt === -1 ? buf.length : lt + 1) - i;
      if (lt === -1) {
        this.#consumePlain(buf.slice(i));
        i = buf.length;
        break;
      }
      if (lt > i) this.#consumePlain(buf.slice(i, lt));
      i = lt;
      const step = this.#atTagStart(buf, i, final);
      if (step === WAIT) break;
      i = step;
    }
    this.#buf = buf.slice(i);
  }

  /** Plain characters (no `<`) in the current mode. */
  #consumePlain(text: string) {
    if (this.#mode === 'text') this.#pendingText += text;
    else if (this.#mode === 'action') this.#appendContent(text);
    // Between actions inside an artifact, stray text is dropped.
  }

  /** `buf[i]` is `<`. Returns the index to continue from, or WAIT for more input. */
  #atTagStart(buf: string, i: number, final: boolean): number | typeof WAIT {
    const candidates = CANDIDATES[this.#mode];
    for (const tag of candidates) {
      const got = Math.min(tag.length, buf.length - i);
      this.charsScanned += got;
      if (!buf.startsWith(tag.slice(0, got), i)) continue;
      if (got < tag.length) return final ? this.#literal(i) : WAIT;
      if (tag.endsWith('>')) return this.#closingTag(tag, i + tag.length);
      // An opening tag: the name must end here, then attributes up to `>`.
      const after = buf[i + tag.length];
      if (after === undefined) return final ? this.#literal(i) : WAIT;
      if (after !== '>' && !/\s/.test(after)) continue;
      const gt = this.#findTagEnd(buf, i, i + Math.max(tag.length, this.#tagScanned));
      if (gt === -1) {
        if (final || buf.length - i > MAX_TAG_LENGTH) return this.#literal(i);
        return WAIT;
      }
      if (gt - i > MAX_TAG_LENGTH) return this.#literal(i);
      this.#tagScanned = 0;
      this.#tagQuote = '';
      this.#openingTag(tag, buf.slice(i + tag.length, gt));
      return gt + 1;
    }
    return this.#literal(i);
  }

  /** A `<` that starts no tag of interest is ordinary text in the current mode. */
  /** The `>` ending the opening tag that starts at `start`, skipping quoted attribute values; -1 if not here yet. */
  #findTagEnd(buf: string, start: number, from: number): number {
    let quote = this.#tagQuote;
    for (let j = from; j < buf.length; j++) {
      this.charsScanned += 1;
      const c = buf[j];
      if (quote) {
        if (c === quote) quote = '';
      } else if (c === '"' || c === "'") quote = c;
      else if (c === '>') return j;
    }
    this.#tagQuote = quote;
    this.#tagScanned = buf.length - start;
    return -1;
  }

  #literal(i: number) {
    this.#tagScanned = 0;
    this.#tagQuote = '';
    this.#consumePlain('<');
    return i + 1;
  }

  #closingTag(tag: string, next: number) {
    if (tag === ACTION_CLOSE) {
      this.#closeAction(true);
    } else if (tag === ARTIFACT_CLOSE) {
      // In prose, a stray closing tag is dropped rather than shown.
      if (this.#mode === 'action') this.#closeAction(false);
      if (this.#mode === 'artifact') this.#closeArtifact();
    }
    return next;
  }

  #openingTag(tag: string, rawAttributes: string) {
    const attrs = parseAttributes(rawAttributes);
    if (tag === ARTIFACT_OPEN) {
      // A nested artifact tag inside an artifact is ignored; its actions join the open artifact.
      if (this.#mode !== 'text') return;
      this.#emitPendingText();
      this.#artifactCount += 1;
      this.#artifact = { id: attrs.id || `artifact-${this.#artifactCount}`, title: attrs.title || 'Untitled project' };
      this.#mode = 'artifact';
      this.#events.push({ type: 'artifact-open', artifact: { ...this.#artifact } });
      return;
    }
    // ACTION_OPEN (only a candidate in artifact mode)
    const type = attrs.type;
    const action: OpenAction = { id: this.#nextActionId++, type: isActionType(type) ? type : 'unknown', content: [] };
    if (action.type === 'file') action.shaper = new FileContentShaper();
    if (action.type === 'unknown') {
      action.rejected = `unknown action type "${type ?? ''}"; expected file, shell or start`;
    } else if (action.type === 'file') {
      const check = checkProjectPath(attrs.filePath);
      if (check.ok) action.filePath = check.path;
      else {
        action.filePath = attrs.filePath;
        action.rejected = `unsafe file path: ${check.reason}`;
      }
    }
    this.#action = action;
    this.#mode = 'action';
    this.#events.push({
      type: 'action-open',
      actionId: action.id,
      artifactId: this.#artifact!.id,
      actionType: action.type,
      ...(action.filePath !== undefined ? { filePath: action.filePath } : {}),
      ...(action.rejected ? { error: action.rejected } : {}),
    });
  }

  #appendContent(text: string) {
    const action = this.#action!;
    if (action.rejected) return;
    const kept = action.shaper ? action.shaper.push(text) : text;
    action.content.push(kept);
    if (action.type === 'file') this.#pendingDelta += kept;
  }

  #closeAction(complete: boolean) {
    const action = this.#action!;
    if (action.shaper && !action.rejected) {
      const tail = action.shaper.end(complete);
      action.content.push(tail);
      this.#pendingDelta += tail;
    }
    this.#emitPendingDelta();
    const content = action.content.join('');
    let parsed: ParsedAction | null = null;
    let error = action.rejected;
    if (!error) {
      if (action.type === 'file') parsed = { type: 'file', filePath: action.filePath!, content };
      else if (content.trim() === '') error = `empty ${action.type} command`;
      else parsed = { type: action.type as 'shell' | 'start', command: content.trim() };
    }
    this.#events.push({
      type: 'action-close',
      actionId: action.id,
      artifactId: this.#artifact!.id,
      action: parsed,
      complete,
      ...(error ? { error } : {}),
    });
    this.#action = null;
    this.#mode = 'artifact';
  }

  #closeArtifact() {
    this.#events.push({ type: 'artifact-close', artifactId: this.#artifact!.id });
    this.#artifact = null;
    this.#mode = 'text';
  }

  #emitPendingText() {
    if (this.#pendingText) this.#events.push({ type: 'text', text: this.#pendingText });
    this.#pendingText = '';
  }

  #emitPendingDelta() {
    if (this.#pendingDelta && this.#action) {
      this.#events.push({ type: 'file-delta', actionId: this.#action.id, text: this.#pendingDelta });
    }
    this.#pendingDelta = '';
  }
}

const WAIT = Symbol('wait');

const CANDIDATES: Record<Mode, string[]> = {
  text: [ARTIFACT_OPEN, ARTIFACT_CLOSE],
  artifact: [ACTION_OPEN, ARTIFACT_CLOSE, ARTIFACT_OPEN],
  action: [ACTION_CLOSE, ARTIFACT_CLOSE],
};

function isActionType(value: string | undefined): value is ActionType {
  return value === 'file' || value === 'shell' || value === 'start';
}

const ENTITIES: Record<string, string> = { '&quot;': '"', '&apos;': "'", '&lt;': '<', '&gt;': '>', '&amp;': '&' };

function parseAttributes(raw: string): Record<string, string> {
  const attrs: Record<string, string> = {};
  const re = /([A-Za-z_][\w:.-]*)\s*=\s*(?:"([^"]*)"|'([^']*)')/g;
  for (let m = re.exec(raw); m; m = re.exec(raw)) {
    attrs[m[1]] = (m[2] ?? m[3] ?? '').replace(/&(quot|apos|lt|gt|amp);/g, (e) => ENTITIES[e]);
  }
  return attrs;
}

/** Parses a whole answer at once, feeding it in chunks: what the CLI and tests use. */
export function parseAnswer(text: string, chunkSize = 16) {
  const parser = new StreamingArtifactParser();
  const events: ParserEvent[] = [];
  const size = Math.max(1, Math.floor(chunkSize));
  for (let i = 0; i < text.length; i += size) events.push(...parser.push(text.slice(i, i + size)));
  events.push(...parser.end());
  return { events, charsScanned: parser.charsScanned };
}

export type SummarizedAction = (ParsedAction | { type: ActionType | 'unknown'; filePath?: string }) & {
  error?: string;
  incomplete?: true;
};

/** Folds events into the artifacts and actions they describe, in order (the CLI's output shape). */
export function summarizeEvents(events: ParserEvent[]) {
  const artifacts: ArtifactInfo[] = [];
  const actions: SummarizedAction[] = [];
  const opened = new Map<number, { type: ActionType | 'unknown'; filePath?: string }>();
  for (const event of events) {
    if (event.type === 'artifact-open') artifacts.push(event.artifact);
    else if (event.type === 'action-open') opened.set(event.actionId, { type: event.actionType, filePath: event.filePath });
    else if (event.type === 'action-close') {
      const base: SummarizedAction = event.action ?? { ...opened.get(event.actionId)! };
      actions.push({
        ...base,
        ...(event.error ? { error: event.error } : {}),
        ...(event.complete ? {} : { incomplete: true as const }),
      });
    }
  }
  return { artifacts, actions };
}
