import { pacer } from './pacer';

/**
 * A zip archive's central directory, read without inflating anything (PKWARE's APPNOTE.TXT,
 * sections 4.3.12–4.3.16): what each entry declares, where its bytes are, and its Unix mode,
 * which fflate does not expose (a symbolic link looks like a file holding its target's path).
 */
export interface ZipEntry {
  /** The name as stored; bytes that are not UTF-8 show as U+FFFD (then `nameIsUtf8` is false). */
  name: string;
  nameIsUtf8: boolean;
  /** 0 stored, 8 deflate. */
  method: number;
  encrypted: boolean;
  compressedSize: number;
  /** The uncompressed size the directory declares: a claim, checked while inflating. */
  size: number;
  /** Where the entry's compressed bytes start, past its local header. */
  dataOffset: number;
  symlink: boolean;
  /** Made on MS-DOS or Windows, whose file names cannot hold "\": there it is a folder separator. */
  madeOnWindows: boolean;
}

/** The bytes are not a zip archive this reader can walk; the message says what is wrong. */
export class ZipFormatError extends Error {}

/** The archive names more entries than `maxEntries`; nothing was read past its end record. */
export class ZipEntryCountError extends Error {
  constructor(readonly entries: number) {
    super(`the archive holds ${entries} entries`);
  }
}

const END = 0x06054b50;
const END64 = 0x06064b50;
const END64_LOCATOR = 0x07064b50;
const CENTRAL = 0x02014b50;
const LOCAL = 0x04034b50;
const ZIP64_EXTRA = 0x0001;
/** "Version made by" hosts: MS-DOS/OS2 FAT, Windows NTFS, VFAT. */
const WINDOWS_HOSTS = new Set([0, 10, 14]);
const S_IFMT = 0o170000;
const S_IFLNK = 0o120000;

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });
const lossyUtf8 = new TextDecoder('utf-8');

export async function readZipDirectory(data: Uint8Array, { maxEntries }: { maxEntries: number }): Promise<ZipEntry[]> {
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const u16 = (at: number) => view.getUint16(at, true);
  const u32 = (at: number) => view.getUint32(at, true);
  const u64 = (at: number) => Number(view.getBigUint64(at, true));
  const within = (at: number, length: number) => at >= 0 && length >= 0 && at + length <= data.length;

  const end = findEndRecord(data, u32);
  if (u16(end + 4) !== 0 || u16(end + 6) !== 0) throw new ZipFormatError('it is split over several files');
  let entries = u16(end + 10);
  let directorySize = u32(end + 12);
  let directoryOffset = u32(end + 16);
  if (entries === 0xffff || directorySize === 0xffffffff || directoryOffset === 0xffffffff) {
    const locator = end - 20;
    if (!within(locator, 20) || u32(locator) !== END64_LOCATOR) throw new ZipFormatError('its ZIP64 end record is missing');
    const end64 = u64(locator + 8);
    if (!within(end64, 56) || u32(end64) !== END64) throw new ZipFormatError('its ZIP64 end record is damaged');
    entries = u64(end64 + 32);
    directorySize = u64(end64 + 40);
    directoryOffset = u64(end64 + 48);
  }
  if (entries > maxEntries) throw new ZipEntryCountError(entries);
  if (!within(directoryOffset, directorySize)) throw new ZipFormatError('its central directory lies outside the file');

  const pace = pacer();
  const out: ZipEntry[] = [];
  let at = directoryOffset;
  for (let index = 0; index < entries; index++) {
    await pace();
    if (!within(at, 46) || u32(at) !== CENTRAL) throw new ZipFormatError(`entry ${index + 1} of its central directory is damaged`);
    const madeBy = u16(at + 4);
    const flags = u16(at + 8);
    const nameLength = u16(at + 28);
    const extraLength = u16(at + 30);
    const commentLength = u16(at + 32);
    if (!within(at + 46, nameLength + extraLength + commentLength)) throw new ZipFormatError(`entry ${index + 1} runs past the end of the file`);
    const nameBytes = data.subarray(at + 46, at + 46 + nameLength);
    const sizes = { size: u32(at + 24), compressedSize: u32(at + 20), localOffset: u32(at + 42) };
    readZip64Sizes(data.subarray(at + 46 + nameLength, at + 46 + nameLength + extraLength), sizes);
    const { name, nameIsUtf8 } = decodeName(nameBytes);
    const dataOffset = localDataOffset(sizes.localOffset, sizes.compressedSize, name);
    const mode = u32(at + 38) >>> 16;
    out.push({
      name,
      nameIsUtf8,
      method: u16(at + 10),
      encrypted: (flags & 1) === 1,
      compressedSize: sizes.compressedSize,
      size: sizes.size,
      dataOffset,
      symlink: (mode & S_IFMT) === S_IFLNK,
      madeOnWindows: WINDOWS_HOSTS.has(madeBy >> 8),
    });
    at += 46 + nameLength + extraLength + commentLength;
  }
  return out;

  function localDataOffset(offset: number, compressedSize: number, name: string) {
    if (!within(offset, 30) || u32(offset) !== LOCAL) throw new ZipFormatError(`the local header of ${name} is damaged`);
    const start = offset + 30 + u16(offset + 26) + u16(offset + 28);
    if (!within(start, compressedSize)) throw new ZipFormatError(`the data of ${name} runs past the end of the file`);
    return start;
  }

  /** A ZIP64 extra field holds, in this order, the sizes and offset whose 32-bit fields are all ones. */
  function readZip64Sizes(extra: Uint8Array, sizes: { size: number; compressedSize: number; localOffset: number }) {
    const fields = new DataView(extra.buffer, extra.byteOffset, extra.byteLength);
    for (let at = 0; at + 4 <= extra.length; at += 4 + fields.getUint16(at + 2, true)) {
      if (fields.getUint16(at, true) !== ZIP64_EXTRA) continue;
      let next = at + 4;
      const end = next + fields.getUint16(at + 2, true);
      for (const key of ['size', 'compressedSize', 'localOffset'] as const) {
        if (sizes[key] !== 0xffffffff) continue;
        if (next + 8 > Math.min(end, extra.length)) throw new ZipFormatError('a ZIP64 size field is cut short');
        sizes[key] = Number(fields.getBigUint64(next, true));
        next += 8;
      }
      return;
    }
  }
}

/** The end of central directory record: the last one, within the 64 KiB a comment may take. */
function findEndRecord(data: Uint8Array, u32: (at: number) => number) {
  for (let at = data.length - 22; at >= 0 && data.length - at <= 22 + 0xffff; at--) {
    if (u32(at) === END) return at;
  }
  throw new ZipFormatError('it has no end of central directory record');
}

function decodeName(bytes: Uint8Array) {
  try {
    return { name: strictUtf8.decode(bytes), nameIsUtf8: true };
  } catch {
    return { name: lossyUtf8.decode(bytes), nameIsUtf8: false };
  }
}
