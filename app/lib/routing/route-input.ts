import type { ParserEvent } from '../artifact/artifact-parser';

/** The files and commands of an answer, as the router reads them. */
export function routeInputFromEvents(events: ParserEvent[]) {
  const files: Record<string, string> = {};
  const commands: string[] = [];
  for (const event of events) {
    if (event.type !== 'action-close' || !event.action) continue;
    if (event.action.type === 'file') files[event.action.filePath] = event.action.content;
    else commands.push(event.action.command);
  }
  return { files, commands };
}
