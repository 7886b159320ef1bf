import { atom } from 'nanostores';
import type { UIMessage } from 'ai';
import * as chatDb from '../persistence/chat-db';
import { templateAnswer, type Template } from '../templates/templates';

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
