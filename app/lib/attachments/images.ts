/**
 * Images a person attaches to a prompt (a mockup, a screenshot): read in the browser, decoded,
 * scaled so the long side is at most 1,568 px (what vision models work at; larger costs tokens
 * for nothing), re-encoded (which also drops EXIF metadata such as a photo's location) until the
 * file is at most ~1.5 MB, and kept as a data URL. The server accepts images only in this form.
 */

export const IMAGE_LIMITS = {
  longSide: 1568,
  maxBytes: 1_500_000,
  /** Images one message may carry. */
  perMessage: 4,
  /** Images one request may carry, the newest message's first (earlier ones as the budget allows). */
  perRequest: 4,
  /** What a picked file may be before it is decoded at all. */
  maxInputBytes: 30_000_000,
  nameChars: 200,
} as const;

/** What the browser produces (and so all the server accepts). */
export const IMAGE_TYPES = ['image/png', 'image/jpeg', 'image/webp'] as const;
export type ImageType = (typeof IMAGE_TYPES)[number];

/** What a person may attach: the above, and a GIF (its first frame). */
export type InputImageType = ImageType | 'image/gif';

export interface ImageAttachment {
  name: string;
  mediaType: ImageType;
  /** `data:<mediaType>;base64,…` */
  url: string;
  width: number;
  height: number;
  bytes: number;
}

/** The size `width`×`height` scaled down (never up) so that its long side is at most `longSide`. */
export function fitWithin(width: number, height: number, longSide: number = IMAGE_LIMITS.longSide): { width: number; height: number } {
  const long = Math.max(width, height);
  if (long <= longSide) return { width, height };
  const scale = longSide / long;
  return { width: Math.max(1, Math.round(width * scale)), height: Math.max(1, Math.round(height * scale)) };
}

/** The image type the first bytes say (not what a file name or a browser claims), or null. */
export function sniffImageType(bytes: Uint8Array): InputImageType | null {
  const at = (offset: number, ...values: number[]) => values.every((value, i) => bytes[offset + i] === value);
  if (at(0, 0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a)) return 'image/png';
  if (at(0, 0xff, 0xd8, 0xff)) return 'image/jpeg';
  if (at(0, 0x52, 0x49, 0x46, 0x46) && at(8, 0x57, 0x45, 0x42, 0x50)) return 'image/webp';
  if (at(0, 0x47, 0x49, 0x46, 0x38)) return 'image/gif';
  return null;
}

/**
 * The encodings to try, in order, for an image that came as `source`: its own kind first
 * (lossless PNG keeps a screenshot's text sharp), then JPEG at falling quality.
 */
export function encodingPlan(source: InputImageType): Array<{ type: ImageType; quality?: number }> {
  const jpeg = [0.9, 0.8, 0.7, 0.6, 0.5].map((quality) => ({ type: 'image/jpeg' as const, quality }));
  if (source === 'image/jpeg') return jpeg;
  if (source === 'image/webp') return [{ type: 'image/webp', quality: 0.9 }, { type: 'image/webp', quality: 0.75 }, ...jpeg];
  return [{ type: 'image/png' }, ...jpeg];
}

/** Why an attachment was refused, in a sentence for the prompt box. */
export class ImageAttachError extends Error {}

/** Reads, decodes, scales and encodes one picked, pasted or dropped file (browser only). */
export async function prepareImage(file: Blob & { name?: string }): Promise<ImageAttachment> {
  const name = (file.name || 'image').slice(0, IMAGE_LIMITS.nameChars);
  if (file.size > IMAGE_LIMITS.maxInputBytes) throw new ImageAttachError(`${name} is ${megabytes(file.size)}; attach images under ${megabytes(IMAGE_LIMITS.maxInputBytes)}.`);
  const head = new Uint8Array(await file.slice(0, 16).arrayBuffer());
  const kind = sniffImageType(head);
  if (!kind) throw new ImageAttachError(`${name} is not a PNG, JPEG, WebP or GIF image.`);
  let bitmap: ImageBitmap;
  try {
    // A GIF decodes to its first frame.
    bitmap = await createImageBitmap(file);
  } catch {
    throw new ImageAttachError(`${name} could not be read as an image (the file may be damaged).`);
  }
  try {
    let size = fitWithin(bitmap.width, bitmap.height);
    // Each round tries the plan at one size; a picture too busy for the byte cap at the lowest quality is made smaller.
    for (let round = 0; round < 6; round++) {
      for (const step of encodingPlan(kind)) {
        const blob = await encode(bitmap, size, step.type, step.quality);
        if (blob.size <= IMAGE_LIMITS.maxBytes && (IMAGE_TYPES as readonly string[]).includes(blob.type)) {
          return { name, mediaType: blob.type as ImageType, url: await dataUrl(blob), width: size.width, height: size.height, bytes: blob.size };
        }
      }
      size = { width: Math.max(1, Math.round(size.width * 0.75)), height: Math.max(1, Math.round(size.height * 0.75)) };
    }
    throw new ImageAttachError(`${name} could not be made smaller than ${megabytes(IMAGE_LIMITS.maxBytes)}.`);
  } finally {
    bitmap.close();
  }
}

async function encode(bitmap: ImageBitmap, size: { width: number; height: number }, type: ImageType, quality?: number): Promise<Blob> {
  const canvas = new OffscreenCanvas(size.width, size.height);
  const context = canvas.getContext('2d');
  if (!context) throw new ImageAttachError('This browser cannot resize images (no 2D canvas).');
  context.imageSmoothingQuality = 'high';
  // JPEG has no transparency: a transparent mockup gets a white background rather than black.
  if (type === 'image/jpeg') {
    context.fillStyle = '#fff';
    context.fillRect(0, 0, size.width, size.height);
  }
  context.drawImage(bitmap, 0, 0, size.width, size.height);
  return canvas.convertToBlob({ type, quality });
}

function dataUrl(blob: Blob): Promise<string> {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(String(reader.result));
    reader.onerror = () => reject(new ImageAttachError('The image could not be read.'));
    reader.readAsDataURL(blob);
  });
}

function megabytes(bytes: number) {
  return `${(bytes / 1_000_000).toFixed(1)} MB`;
}

/** The bytes a base64 data URL holds (without decoding it). */
export function dataUrlBytes(url: string): number {
  const comma = url.indexOf(',');
  const base64 = url.slice(comma + 1);
  const padding = base64.endsWith('==') ? 2 : base64.endsWith('=') ? 1 : 0;
  return Math.floor((base64.length * 3) / 4) - padding;
}
