import type { FileUIPart, UIMessage } from 'ai';
import { IMAGE_LIMITS, IMAGE_TYPES, dataUrlBytes, sniffImageType, type ImageType } from './images';

/** An image a message carries, as the chat keeps it (a file part with a data URL). */
export function isImagePart(part: UIMessage['parts'][number]): part is FileUIPart {
  return part.type === 'file' && part.mediaType.startsWith('image/');
}

/** What the model reads where an image was: the person's message keeps its place and meaning. */
export function imagePlaceholder(part: FileUIPart, why: 'budget' | 'model'): { type: 'text'; text: string } {
  const name = (part.filename ?? 'image').replace(/[\r\n"]/g, ' ').slice(0, IMAGE_LIMITS.nameChars);
  const reason = why === 'budget' ? 'left out of this request to keep within the context budget' : 'not sent: this model does not take images';
  return { type: 'text', text: `[Image "${name}" ${reason}.]` };
}

export interface FittedImages {
  messages: UIMessage[];
  /** Images of earlier messages left out to keep within the budget (newest kept first). */
  leftOut: number;
  /** Images not sent because the model does not take images. */
  notSent: number;
}

/**
 * The images a request carries: none for a model that does not take images; otherwise the newest
 * ones, up to `IMAGE_LIMITS.perRequest` (the message being sent comes first), the others replaced
 * by a sentence saying so. The chat itself keeps every image.
 */
export function fitImages(messages: UIMessage[], options: { sendImages: boolean; perRequest?: number }): FittedImages {
  const perRequest = options.perRequest ?? IMAGE_LIMITS.perRequest;
  let kept = 0;
  let leftOut = 0;
  let notSent = 0;
  const fitted = [...messages];
  for (let index = fitted.length - 1; index >= 0; index--) {
    const message = fitted[index];
    if (!message.parts.some(isImagePart)) continue;
    fitted[index] = {
      ...message,
      parts: message.parts.map((part) => {
        if (!isImagePart(part)) return part;
        if (!options.sendImages) {
          notSent++;
          return imagePlaceholder(part, 'model');
        }
        if (kept < perRequest) {
          kept++;
          return part;
        }
        leftOut++;
        return imagePlaceholder(part, 'budget');
      }),
    };
  }
  return { messages: fitted, leftOut, notSent };
}

/** "2 earlier images were left out …", or null when every image went. */
export function fittedImagesNote({ leftOut, notSent }: Pick<FittedImages, 'leftOut' | 'notSent'>, model: string): string | null {
  const images = (n: number) => `${n} image${n === 1 ? '' : 's'}`;
  if (notSent) return `${images(notSent)} of this chat ${notSent === 1 ? 'was' : 'were'} not sent: ${model} does not take images.`;
  if (leftOut) return `${images(leftOut)} from earlier messages ${leftOut === 1 ? 'was' : 'were'} left out of this request to keep within the context budget (at most ${IMAGE_LIMITS.perRequest} images per request, the newest first).`;
  return null;
}

/**
 * Whether `url` is an image the browser made: a base64 data URL of an accepted type whose bytes
 * are what its type says, within the size cap. Anything else (a remote URL above all, which the
 * SDK would download from the server) is refused.
 */
export function checkImageDataUrl(url: string, mediaType: string): string | null {
  const type = (IMAGE_TYPES as readonly string[]).find((t) => t === mediaType) as ImageType | undefined;
  if (!type) return `images may be ${IMAGE_TYPES.join(', ')}`;
  const prefix = `data:${type};base64,`;
  if (!url.startsWith(prefix)) return 'an image must be a base64 data URL of its own type (no links)';
  const body = url.slice(prefix.length);
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(body) || body.length % 4 !== 0) return 'the image is not valid base64';
  if (dataUrlBytes(url) > IMAGE_LIMITS.maxBytes) return `an image may be at most ${IMAGE_LIMITS.maxBytes / 1_000_000} MB`;
  let head: Uint8Array;
  try {
    head = Uint8Array.from(atob(body.slice(0, 24)), (c) => c.charCodeAt(0));
  } catch {
    return 'the image is not valid base64';
  }
  if (sniffImageType(head) !== type) return `the image's bytes are not a ${type.slice(6).toUpperCase()} file`;
  return null;
}
