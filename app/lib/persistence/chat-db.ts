import type { UIMessage } from 'ai';
import { openDB, type DBSchema, type IDBPDatabase } from 'idb';
import type { ActionStatus, RuntimeRecord } from '../runtime/records';
import type { ImageAttachment } from '../attachments/images';
import type { StoredArchive, StoredBlob, VersionRecord } from '../versions/version-types';

/** Everything a reload needs, kept in the browser's IndexedDB. */
export interface ChatMeta {
  id: string;
  title: string;
  model: string;
  createdAt: number;
  updatedAt: number;
  /** Typed on the landing page and not yet sent. */
  pendingPrompt?: string;
  /** Images attached to the pending prompt. */
  pendingImages?: ImageAttachment[];
  /** Where the project runs: the user's choice, its cloud sandbox, whether the fallback happened. */
  runtime?: RuntimeRecord;
  /** Auto-fix is on for this chat. */
  autoFix?: boolean;
  /** Agent mode is on for this chat. */
  agent?: boolean;
  /** Where the project came from on GitHub: "Create pull request" bases its branch on this commit. */
  git?: GitOrigin;
  /** Files the model may not change (the runner and the agent's tools refuse; restores leave them). */
  locked?: string[];
  /** Where the app was last published: the next Publish updates the same site. */
  publish?: PublishRecord;
}

export interface PublishRecord {
  target: 'netlify' | 'vercel' | 'sandbox';
  siteName?: string;
  /** The host's site or project id, or the published sandbox's id. */
  siteId: string;
  /** The live URL (a published sandbox's link is shown once: kept here). */
  url?: string;
  at: number;
}

export interface GitOrigin {
  /** owner/repo */
  repo: string;
  url: string;
  branch: string;
  commit: string;
  /** The files the import brought (a file of these missing from the project now was deleted). */
  paths: string[];
}

export interface ChatMessages {
  chatId: string;
  messages: UIMessage[];
  /** The last known state of each action, so a reload shows failures as failures. */
  actionStates: Record<string, ActionStatus>;
}

export interface ChatFiles {
  chatId: string;
  files: Record<string, string>;
}

export interface ChatDbSchema extends DBSchema {
  chats: { key: string; value: ChatMeta; indexes: { updatedAt: number } };
  messages: { key: string; value: ChatMessages };
  files: { key: string; value: ChatFiles };
  /** Each chat's versions (see versions/version-types.ts), keyed `${chatId}:${seq}`. */
  versions: { key: string; value: VersionRecord; indexes: { chatId: string } };
  /** File contents by `${chatId}:${sha-256}`: a version lists hashes, so unchanged files cost nothing. */
  blobs: { key: string; value: StoredBlob; indexes: { chatId: string } };
  /** Sandbox state archives (gzip tar) by `${chatId}:${sha-256}`. */
  archives: { key: string; value: StoredArchive; indexes: { chatId: string } };
}

let dbPromise: Promise<IDBPDatabase<ChatDbSchema>> | undefined;

export function db() {
  dbPromise ??= openDB<ChatDbSchema>('appforge', 2, {
    upgrade(database, oldVersion) {
      if (oldVersion < 1) {
        database.createObjectStore('chats', { keyPath: 'id' }).createIndex('updatedAt', 'updatedAt');
        database.createObjectStore('messages', { keyPath: 'chatId' });
        database.createObjectStore('files', { keyPath: 'chatId' });
      }
      if (oldVersion < 2) {
        database.createObjectStore('versions', { keyPath: 'key' }).createIndex('chatId', 'chatId');
        database.createObjectStore('blobs', { keyPath: 'key' }).createIndex('chatId', 'chatId');
        database.createObjectStore('archives', { keyPath: 'key' }).createIndex('chatId', 'chatId');
      }
    },
  });
  return dbPromise;
}

export async function listChats(): Promise<ChatMeta[]> {
  const all = await (await db()).getAllFromIndex('chats', 'updatedAt');
  return all.reverse();
}

export async function getChat(id: string) {
  const database = await db();
  const [chat, messages, files] = await Promise.all([database.get('chats', id), database.get('messages', id), database.get('files', id)]);
  if (!chat) return undefined;
  return { chat, messages: messages?.messages ?? [], actionStates: messages?.actionStates ?? {}, files: files?.files ?? {} };
}

export async function putChat(chat: ChatMeta) {
  await (await db()).put('chats', chat);
}

/** Changes some fields of a saved chat (read and written in one transaction). */
export async function updateChat(id: string, patch: Partial<Omit<ChatMeta, 'id'>>) {
  const database = await db();
  const tx = database.transaction('chats', 'readwrite');
  const chat = await tx.store.get(id);
  if (chat) await tx.store.put({ ...chat, ...patch });
  await tx.done;
}

export async function saveMessages(record: ChatMessages) {
  const database = await db();
  const tx = database.transaction(['messages', 'chats'], 'readwrite');
  await tx.objectStore('messages').put(record);
  const chat = await tx.objectStore('chats').get(record.chatId);
  if (chat) await tx.objectStore('chats').put({ ...chat, updatedAt: Date.now() });
  await tx.done;
}

export async function saveFiles(record: ChatFiles) {
  await (await db()).put('files', record);
}

/** Deletes the chat with everything kept for it: messages, files, versions, their contents and archives. */
export async function deleteChat(id: string) {
  const database = await db();
  const tx = database.transaction(['chats', 'messages', 'files', 'versions', 'blobs', 'archives'], 'readwrite');
  const owned = (store: 'versions' | 'blobs' | 'archives') =>
    tx
      .objectStore(store)
      .index('chatId')
      .getAllKeys(id)
      .then((keys) => Promise.all(keys.map((key) => tx.objectStore(store).delete(key))));
  await Promise.all([tx.objectStore('chats').delete(id), tx.objectStore('messages').delete(id), tx.objectStore('files').delete(id), owned('versions'), owned('blobs'), owned('archives'), tx.done]);
}
