// Images in the prompt, in a real Chromium: dropped into the prompt box, resized in the browser,
// received by the model stand-in as an image part of the right size, kept across a reload; a model
// that takes no images is not sent one, and the person reads why before sending.
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makePng, pngSize } from '../helpers/png';
import { startStack } from './harness';

let stack: Awaited<ReturnType<typeof startStack>>;
let page: Page;

beforeAll(async () => {
  stack = await startStack();
  page = await (await stack.browser.newContext({ viewport: { width: 1300, height: 900 } })).newPage();
});
afterAll(async () => {
  await stack?.stop();
});

/** Drops a file on the prompt box as a person dragging it from their desktop would. */
async function dropFile(p: Page, name: string, bytes: Buffer, type: string) {
  const dataTransfer = await p.evaluateHandle(
    ({ base64, name, type }) => {
      const transfer = new DataTransfer();
      transfer.items.add(new File([Uint8Array.from(atob(base64), (c) => c.charCodeAt(0))], name, { type }));
      return transfer;
    },
    { base64: bytes.toString('base64'), name, type },
  );
  await p.locator('form:has(textarea[aria-label="Prompt"])').dispatchEvent('drop', { dataTransfer });
}

/** The images (as bytes) of the last request the model received. */
function imagesSent() {
  const request = stack.fake.requests.at(-1)!;
  return request.messages.flatMap((m) => (Array.isArray(m.content) ? m.content : [])).filter((p): p is { type: 'image_url'; image_url: { url: string } } => (p as { type?: string }).type === 'image_url');
}

describe('images in the prompt', () => {
  it('a dropped PNG is resized, reaches the model as an image part of the right size, and survives a reload', async () => {
    stack.fake.script({ match: 'mockup', reply: 'I see a striped mockup.' });
    await page.goto(stack.app.url);
    // Once the page is live (the model list has come), a drop is the prompt box's to handle.
    await expect.poll(() => page.getByRole('combobox', { name: 'Model' }).locator('option', { hasText: 'Fake Fast' }).count(), { timeout: 10_000 }).toBe(1);
    // 3000×2000: larger than models take, so the browser scales it to 1568×1045.
    await dropFile(page, 'mockup.png', makePng(3000, 2000, [[37, 99, 235], [250, 204, 21]]), 'image/png');
    const attached = page.getByRole('list', { name: 'Attached images' });
    await expect.poll(() => attached.getByRole('img', { name: 'mockup.png' }).count(), { timeout: 10_000 }).toBe(1);

    // Removable: a second image goes away again before sending.
    await dropFile(page, 'extra.png', makePng(40, 40), 'image/png');
    await expect.poll(() => attached.getByRole('img').count()).toBe(2);
    await page.getByRole('button', { name: 'Remove extra.png' }).click();
    expect(await attached.getByRole('img').count()).toBe(1);

    // Not an image: refused with a sentence, nothing attached.
    await dropFile(page, 'notes.png', Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"/>'), 'image/png');
    await expect.poll(() => page.getByRole('alert').innerText()).toBe('notes.png is not a PNG, JPEG, WebP or GIF image.');
    expect(await attached.getByRole('img').count()).toBe(1);

    await page.getByRole('textbox', { name: 'Prompt' }).fill('Build this mockup');
    await page.getByRole('button', { name: 'Send' }).click();
    await expect.poll(() => page.getByText('I see a striped mockup.').count(), { timeout: 20_000 }).toBe(1);

    const [sent] = imagesSent();
    expect(sent.image_url.url).toMatch(/^data:image\/png;base64,/);
    const bytes = Buffer.from(sent.image_url.url.split(',')[1], 'base64');
    expect(pngSize(bytes)).toEqual({ width: 1568, height: 1045 });
    expect(bytes.length).toBeLessThanOrEqual(1_500_000);

    // In the chat, and still there after a reload.
    const inChat = page.locator('[data-role="user"]').getByRole('img', { name: 'mockup.png' });
    expect(await inChat.count()).toBe(1);
    if (process.env.E2E_SCREENSHOT_DIR) {
      await dropFile(page, 'sketch.png', makePng(600, 400, [[22, 163, 74], [255, 255, 255]]), 'image/png');
      await page.getByRole('textbox', { name: 'Prompt' }).fill('Now the settings page, like this sketch');
      await expect.poll(() => page.getByRole('img', { name: 'sketch.png' }).count()).toBe(1);
      await page.screenshot({ path: `${process.env.E2E_SCREENSHOT_DIR}/images.png` });
      await page.getByRole('button', { name: 'Remove sketch.png' }).click();
      await page.getByRole('textbox', { name: 'Prompt' }).fill('');
    }
    // The chat is saved shortly after it changes (400 ms), as the history test also waits for.
    await page.waitForTimeout(700);
    await page.reload();
    await expect.poll(() => inChat.count(), { timeout: 10_000 }).toBe(1);
    expect(await inChat.evaluate((img: HTMLImageElement) => img.naturalWidth)).toBe(1568);
  });

  it('a model without image input gets no image, and the person is told before sending', async () => {
    stack.fake.script({ match: 'same colours', reply: 'Done without seeing it.' });
    await page.getByRole('combobox', { name: 'Model' }).selectOption('fake/fast');
    await dropFile(page, 'screenshot.png', makePng(200, 100), 'image/png');
    const note = page.getByRole('note', { name: 'Images' });
    await expect.poll(() => note.innerText(), { timeout: 10_000 }).toBe('Fake Fast does not take images: the image will stay in the chat but will not be sent to it. Pick a model that takes images to send it.');

    const before = stack.fake.requests.length;
    await page.getByRole('textbox', { name: 'Prompt' }).fill('Use the same colours');
    await page.getByRole('button', { name: 'Send' }).click();
    await expect.poll(() => page.getByText('Done without seeing it.').count(), { timeout: 20_000 }).toBe(1);
    expect(stack.fake.requests.length).toBe(before + 1);
    expect(stack.fake.requests.at(-1)!.model).toBe('fake/fast');
    expect(imagesSent()).toEqual([]);
    expect(JSON.stringify(stack.fake.requests.at(-1)!.messages)).toContain('[Image \\"screenshot.png\\" not sent: this model does not take images.]');
    // The chat says so, and keeps both images.
    expect(await page.getByRole('status', { name: 'Images' }).innerText()).toBe('2 images of this chat were not sent: Fake Fast does not take images.');
    expect(await page.locator('[data-role="user"]').getByRole('img').count()).toBe(2);
  });
});
