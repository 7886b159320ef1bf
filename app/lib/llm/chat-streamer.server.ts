import type { UIMessage } from 'ai';
import type { ServerEnv } from '../env.server';
import { streamChat } from './chat-stream.server';
import type { ProjectContext } from './project-context';

export interface ChatStreamRequest {
  messages: UIMessage[];
  model: string;
  /** The project summary to put before the request (follow-ups). */
  projectContext?: ProjectContext;
  /** Agent mode: the model gets the tools. */
  agent?: boolean;
  /** The app's public URL (OpenRouter's app attribution). */
  appUrl?: string;
  signal: AbortSignal;
}

/** A request as the worker gets it (the signal stays on this side). */
export type ChatStreamJob = Omit<ChatStreamRequest, 'signal'>;

/** Produces the streamed answer of /api/chat (a UI message stream response). */
export interface ChatStreamer {
  stream(request: ChatStreamRequest): Promise<Response>;
  close(): Promise<void>;
}

/** Streams on the calling thread (Cloudflare Pages, where each request has its own isolate; tests). */
export class InProcessChatStreamer implements ChatStreamer {
  constructor(private readonly env: ServerEnv) {}

  async stream(request: ChatStreamRequest) {
    return streamChat({ env: this.env, ...request });
  }

  async close() {}
}
