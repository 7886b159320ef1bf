import type { UIMessage } from 'ai';
import { describe, expect, it } from 'vitest';
import { makePng, pngDataUrl } from '../../../tests/helpers/png';
import { IMAGE_LIMITS, dataUrlBytes, encodingPlan, fitWithin, sniffImageType } from './images';
import { checkImageDataUrl, fitImages, fittedImagesNote } from './request-images';

const image = (name: string) => ({ type: 'file' as const, mediaType: 'image/png', url: pngDataUrl(makePng(4, 4)), filename: name });
const user = (id: string, ...parts: UIMessage['parts']): UIMessage => ({ id, role: 'user', parts });
const text = (t: string) => ({ type: 'text' as const, text: t });

describe('resizing', () => {
  it('scales the long side down to 1,568 px and keeps the aspect ratio', () => {
    expect(fitWithin(3000, 2000)).toEqual({ width: 1568, height: 1045 });
    expect(fitWithin(1000, 4000)).toEqual({ width: 392, height: 1568 });
    expect(fitWithin(1568, 10)).toEqual({ width: 1568, height: 10 });
  });

  it('never scales up, and never to zero', () => {
    expect(fitWithin(800, 600)).toEqual({ width: 800, height: 600 });
    expect(fitWithin(100_000, 1)).toEqual({ width: 1568, height: 1 });
  });

  it('tries the image’s own kind first, then JPEG at falling quality', () => {
    expect(encodingPlan('image/png')[0]).toEqual({ type: 'image/png' });
    expect(encodingPlan('image/gif')[0]).toEqual({ type: 'image/png' });
    expect(encodingPlan('image/webp').slice(0, 2).map((s) => s.type)).toEqual(['image/webp', 'image/webp']);
    const jpeg = encodingPlan('image/jpeg');
    expect(jpeg.every((s) => s.type === 'image/jpeg')).toBe(true);
    expect(jpeg.map((s) => s.quality)).toEqual([...jpeg.map((s) => s.quality)].sort().reverse());
  });

  it('knows an image by its bytes, not its name', () => {
    expect(sniffImageType(makePng(2, 2))).toBe('image/png');
    expect(sniffImageType(Uint8Array.from([0xff, 0xd8, 0xff, 0xe0]))).toBe('image/jpeg');
    expect(sniffImageType(new TextEncoder().encode('RIFF\0\0\0\0WEBPVP8 '))).toBe('image/webp');
    expect(sniffImageType(new TextEncoder().encode('GIF89a'))).toBe('image/gif');
    expect(sniffImageType(new TextEncoder().encode('<svg xmlns='))).toBeNull();
  });

  it('counts a data URL’s bytes without decoding it', () => {
    const png = makePng(7, 3);
    expect(dataUrlBytes(pngDataUrl(png))).toBe(png.length);
    expect(dataUrlBytes('data:image/png;base64,QQ==')).toBe(1);
  });
});

describe('checking an image from the browser', () => {
  it('accepts a PNG data URL whose bytes are a PNG', () => {
    expect(checkImageDataUrl(pngDataUrl(makePng(2, 2)), 'image/png')).toBeNull();
  });

  it('refuses links, other types, mismatched bytes, bad base64 and oversize images', () => {
    expect(checkImageDataUrl('https://example.com/a.png', 'image/png')).toMatch(/no links/);
    expect(checkImageDataUrl('http://169.254.169.254/latest', 'image/png')).toMatch(/no links/);
    expect(checkImageDataUrl(pngDataUrl(makePng(2, 2)), 'image/svg+xml')).toMatch(/may be image\/png/);
    expect(checkImageDataUrl(pngDataUrl(makePng(2, 2)), 'image/jpeg')).toMatch(/no links/);
    expect(checkImageDataUrl(`data:image/jpeg;base64,${makePng(2, 2).toString('base64')}`, 'image/jpeg')).toMatch(/not a JPEG/);
    expect(checkImageDataUrl('data:image/png;base64,%%%%', 'image/png')).toMatch(/base64/);
    const big = `data:image/png;base64,${Buffer.concat([makePng(1, 1), Buffer.alloc(IMAGE_LIMITS.maxBytes)]).toString('base64')}`;
    expect(checkImageDataUrl(big, 'image/png')).toMatch(/at most 1.5 MB/);
  });
});

describe('images in a request', () => {
  it('keeps the newest images up to the budget and says where one was left out', () => {
    const messages = [user('1', image('old.png'), text('first')), user('2', image('a.png'), image('b.png')), user('3', image('c.png'), image('d.png'), text('now'))];
    const fitted = fitImages(messages, { sendImages: true, perRequest: 4 });
    expect(fitted.leftOut).toBe(1);
    expect(fitted.messages[0].parts[0]).toEqual({ type: 'text', text: '[Image "old.png" left out of this request to keep within the context budget.]' });
    expect(fitted.messages[1].parts.every((p) => p.type === 'file')).toBe(true);
    expect(fitted.messages[2].parts.map((p) => p.type)).toEqual(['file', 'file', 'text']);
    // The chat's own messages are not changed.
    expect(messages[0].parts[0].type).toBe('file');
    expect(fittedImagesNote(fitted, 'Fake')).toMatch(/^1 image from earlier messages was left out/);
  });

  it('sends no image to a model that does not take images, and says so', () => {
    const fitted = fitImages([user('1', image('mockup.png'), text('build this'))], { sendImages: false });
    expect(fitted.notSent).toBe(1);
    expect(fitted.messages[0].parts).toEqual([{ type: 'text', text: '[Image "mockup.png" not sent: this model does not take images.]' }, text('build this')]);
    expect(fittedImagesNote(fitted, 'Qwen3 Coder')).toBe('1 image of this chat was not sent: Qwen3 Coder does not take images.');
  });

  it('leaves a chat without images as it is', () => {
    const messages = [user('1', text('hello'))];
    const fitted = fitImages(messages, { sendImages: true });
    expect(fitted.messages[0]).toBe(messages[0]);
    expect(fittedImagesNote(fitted, 'x')).toBeNull();
  });
});
