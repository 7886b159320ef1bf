import { db } from './chat-db';
import type { PackedText } from '../versions/content-address';
import type { VersionRecord } from '../versions/version-types';

/** A chat's versions, oldest first. */
export async function listVersions(chatId: string): Promise<VersionRecord[]> {
  const all = await (await db()).getAllFromIndex('versions', 'chatId', chatId);
  return all.sort((a, b) => a.seq - b.seq);
}

/**
 * Saves a version with the contents it adds, in one transaction: a content already kept (same
 * hash) is not written again, and a version never points at a content that was not saved.
 */
export async function saveVersion(record: VersionRecord, contents: Map<string, PackedText>, archive?: { hash: string; bytes: Uint8Array }) {
  const database = await db();
  const tx = database.transaction(['versions', 'blobs', 'archives'], 'readwrite');
  const blobs = tx.objectStore('blobs');
  const writes: Array<Promise<unknown>> = [];
  for (const [hash, content] of contents) {
    const key = `${record.chatId}:${hash}`;
    writes.push(blobs.getKey(key).then((found) => (found ? undefined : blobs.put({ key, chatId: record.chatId, content }))));
  }
  if (archive) {
    const key = `${record.chatId}:${archive.hash}`;
    const archives = tx.objectStore('archives');
    writes.push(archives.getKey(key).then((found) => (found ? undefined : archives.put({ key, chatId: record.chatId, bytes: archive.bytes }))));
  }
  writes.push(tx.objectStore('versions').put(record));
  await Promise.all([...writes, tx.done]);
}

export async function putVersions(records: VersionRecord[]) {
  const database = await db();
  const tx = database.transaction('versions', 'readwrite');
  await Promise.all([...records.map((record) => tx.store.put(record)), tx.done]);
}

/** The packed contents of the given hashes (one transaction); a missing one is absent from the map. */
export async function readContents(chatId: string, hashes: Iterable<string>): Promise<Map<string, PackedText>> {
  const database = await db();
  const tx = database.transaction('blobs', 'readonly');
  const found = new Map<string, PackedText>();
  await Promise.all([
    ...[...new Set(hashes)].map((hash) =>
      tx.store.get(`${chatId}:${hash}`).then((blob) => {
        if (blob) found.set(hash, blob.content);
      }),
    ),
    tx.done,
  ]);
  return found;
}

export async function readArchive(chatId: string, hash: string): Promise<Uint8Array | undefined> {
  return (await (await db()).get('archives', `${chatId}:${hash}`))?.bytes;
}

/** Drops archives and marks the versions that held them as pruned, in one transaction. */
export async function pruneArchives(chatId: string, hashes: string[], versions: VersionRecord[]) {
  const database = await db();
  const tx = database.transaction(['archives', 'versions'], 'readwrite');
  await Promise.all([...hashes.map((hash) => tx.objectStore('archives').delete(`${chatId}:${hash}`)), ...versions.map((v) => tx.objectStore('versions').put(v)), tx.done]);
}
