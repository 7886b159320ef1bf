// Worker threads do not inherit tsx's loader from the main thread: register it, then start the worker.
import { register } from 'tsx/esm/api';

register();
await import('./chat-worker.server.ts');
