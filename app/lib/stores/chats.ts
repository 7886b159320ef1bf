import { startArtifact, startPlanFor } from '../projects/start-command';
import { atom } from 'nanostores';
import type { UIMessage } from 'ai';
import * as chatDb from '../persistence/chat-db';
import { templateAnswer, type Template } from '../templates/templates';
import type { ImportedProject } from '../projects/archive';

/** The chat history sidebar's list, newest first. */
export const chatList = atom<chatDb.ChatMeta[]>([]);

export async function refreshChatList() {
  chatList.set(await chatDb.listChats());
}

export function newChatId() {
  return crypto.randomUUID().replace(/-/g, '').slice(0, 16);
}

export function titleFromPrompt(prompt: string) {
  const line = prompt.trim().split('\n')[0].replace(/\s+/g, ' ');
  return line.length > 60 ? `${line.slice(0, 57)}…` : line || 'New chat';
}

export async function createChat(prompt: string, model: string) {
  const now = Date.now();
  const chat: chatDb.ChatMeta = { id: newChatId(), title: titleFromPrompt(prompt), model, createdAt: now, updatedAt: now, pendingPrompt: prompt };
  await chatDb.putChat(chat);
  await refreshChatList();
  return chat;
}

/** A new chat that begins with a template as its first answer (no model needed to start). */
export async function createChatFromTemplate(template: Template, model: string) {
  const now = Date.now();
  const chat: chatDb.ChatMeta = { id: newChatId(), title: `${template.title} starter`, model, createdAt: now, updatedAt: now };
  const messages: UIMessage[] = [
    { id: `${chat.id}-u`, role: 'user', parts: [{ type: 'text', text: `Start from the ${template.title} template.` }] },
    { id: `${chat.id}-a`, role: 'assistant', parts: [{ type: 'text', text: templateAnswer(template) }] },
  ];
  await chatDb.putChat(chat);
  await chatDb.saveMessages({ chatId: chat.id, messages, actionStates: {} });
  await chatDb.saveFiles({ chatId: chat.id, files: template.files });
  await refreshChatList();
  return chat;
}

/**
 * A new chat holding an imported project (a zip, a folder, a GitHub repository), with a first note
 * of what came in and what was left out, and, when its files say how, an artifact that installs and
 * starts it (brought up like a restored chat, with no model call).
 */
export async function createChatFromImport(name: string, project: ImportedProject, model: string, git?: chatDb.GitOrigin) {
  const now = Date.now();
  const chat: chatDb.ChatMeta = { id: newChatId(), title: titleFromPrompt(`Imported ${name}`), model, createdAt: now, updatedAt: now, ...(git ? { git } : {}) };
  const count = Object.keys(project.files).length;
  const origin = git ? ` (branch ${git.branch}, commit ${git.commit.slice(0, 7)})` : '';
  const left = project.skipped.length ? `\n\nLeft out (${project.skipped.length}):\n${project.skipped.slice(0, 50).map((s) => `- ${literal(s)}`).join('\n')}${project.skipped.length > 50 ? '\n- …' : ''}` : '';
  const plan = startPlanFor(project.files);
  const start = plan ? `\n\nStarting it as ${plan.from} says:\n\n${startArtifact(`import-${chat.id}`, plan)}` : "\n\nNothing in it says how to start it (no package.json script, no app.py or main.py): ask for a start command, or add one.";
  const messages: UIMessage[] = [
    { id: `${chat.id}-u`, role: 'user', parts: [{ type: 'text', text: `Import ${name}.` }] },
    { id: `${chat.id}-a`, role: 'assistant', parts: [{ type: 'text', text: `Imported ${count} file${count === 1 ? '' : 's'} from ${literal(name)}${origin}.${left}${start}` }] },
  ];
  await chatDb.putChat(chat);
  await chatDb.saveMessages({ chatId: chat.id, messages, actionStates: {} });
  await chatDb.saveFiles({ chatId: chat.id, files: project.files });
  await refreshChatList();
  return chat;
}

export async function renameChat(id: string, title: string) {
  const found = await chatDb.getChat(id);
  if (!found) return;
  await chatDb.putChat({ ...found.chat, title: title.trim() || found.chat.title });
  await refreshChatList();
}

export async function removeChat(id: string) {
  await chatDb.deleteChat(id);
  await refreshChatList();
}

/**
 * Text from an archive (a file name) as markdown that shows it as it is: "__proto__" not in bold,
 * and a name holding "<boltAction …>" never read as an action by the artifact parser.
 */
function literal(text: string) {
  return text.replace(/[!-/:-@[-`{-~]/g, (c) => (c === '<' ? '&lt;' : c === '&' ? '&amp;' : `\\${c}`));
}
