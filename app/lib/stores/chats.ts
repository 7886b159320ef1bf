import type { ImageAttachment } from '../attachments/images';
import { startArtifact, startPlanFor } from '../projects/start-command';
import { atom } from 'nanostores';
import type { UIMessage } from 'ai';
import * as chatDb from '../persistence/chat-db';
import { templateAnswer, type Template } from '../templates/templates';
import type { ImportedProject } from '../projects/archive';

/** A chat's version history: loaded when a chat is made from a template, an import or a fork (the landing page needs no more). */
const versionHistory = async (chatId: string) => new (await import('../versions/version-history')).VersionHistory(chatId);

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

export async function createChat(prompt: string, model: string, images: ImageAttachment[] = []) {
  const now = Date.now();
  const title = titleFromPrompt(prompt || (images.length ? `Build this (${images[0].name})` : ''));
  const chat: chatDb.ChatMeta = { id: newChatId(), title, model, createdAt: now, updatedAt: now, pendingPrompt: prompt, ...(images.length ? { pendingImages: images } : {}) };
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
  await (await versionHistory(chat.id)).record({ kind: 'template', label: `${template.title} template`, messageId: `${chat.id}-a`, files: template.files });
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
  await (await versionHistory(chat.id)).record({ kind: 'import', label: `Imported ${name}`, messageId: `${chat.id}-a`, files: project.files });
  await refreshChatList();
  return chat;
}

/**
 * A new chat that starts at version `seq` of another: the conversation up to the answer that made
 * that version, its files, and the app data archive kept with it (as the fork's first version:
 * restoring it brings the data into the new chat's sandbox). The original chat is left as it is.
 */
export async function forkChat(sourceId: string, seq: number) {
  const source = await chatDb.getChat(sourceId);
  if (!source) throw new Error('That chat no longer exists.');
  const history = await versionHistory(sourceId);
  const versions = await history.load();
  const version = versions.find((v) => v.seq === seq);
  if (!version) throw new Error(`There is no version ${seq} in this chat.`);
  const files = await history.filesOf(seq);
  const archive = await history.archiveOf(seq);
  // The conversation up to the answer behind this version (a restore's: the newest turn before it).
  const turn = versions.findLast((v) => v.seq <= seq && v.messageId && source.messages.some((m) => m.id === v.messageId));
  const end = turn ? source.messages.findIndex((m) => m.id === turn.messageId) + 1 : 0;
  const now = Date.now();
  const chat: chatDb.ChatMeta = {
    id: newChatId(),
    title: titleFromPrompt(`${source.chat.title} (from v${seq})`),
    model: source.chat.model,
    createdAt: now,
    updatedAt: now,
    ...(source.chat.agent ? { agent: true } : {}),
    ...(source.chat.locked ? { locked: source.chat.locked.filter((path) => path in files) } : {}),
    ...(source.chat.git ? { git: source.chat.git } : {}),
  };
  // Message ids are kept: action states are keyed by them.
  const messages = source.messages.slice(0, end);
  const kept = new Set(messages.map((m) => m.id));
  const actionStates = Object.fromEntries(Object.entries(source.actionStates).filter(([key]) => kept.has(key.split(':')[0])));
  await chatDb.putChat(chat);
  await chatDb.saveMessages({ chatId: chat.id, messages, actionStates });
  await chatDb.saveFiles({ chatId: chat.id, files });
  await (await versionHistory(chat.id)).record({
    kind: 'fork',
    label: `From v${seq} of “${source.chat.title}”`,
    from: seq,
    files,
    ...(archive && version.state?.kind === 'archive' ? { state: { archive, files: version.state.files } } : {}),
  });
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
