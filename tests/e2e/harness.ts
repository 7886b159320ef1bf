import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, beforeEach, inject } from 'vitest';
import { FakeOpenAI } from '../fakes/fake-openai';
import { launchChromium } from '../support/browser';
import { startApp, TEST_KEY, type StartOptions } from '../support/app-server';

export * from '../support/app-server';
export { launch } from '../support/launch';

export function launchBrowser(): Promise<Browser> {
  return launchChromium(inject('chromePath'));
}

/** A fake model, the app pointed at it, and a browser: what most end-to-end tests need. */
export async function startStack(env: Record<string, string | undefined> = {}, options: StartOptions = {}) {
  const fake = new FakeOpenAI();
  const baseUrl = await fake.start();
  const app = await startApp({ OPENROUTER_BASE_URL: baseUrl, OPENROUTER_API_KEY: TEST_KEY, DEFAULT_MODEL: 'fake/coder', LLM_MAX_RETRIES: '0', ...env }, options);
  const browser = await launchBrowser();
  return {
    fake,
    app,
    browser,
    async stop() {
      await browser.close();
      await app.stop();
      await fake.stop();
    },
  };
}

export type Stack = Awaited<ReturnType<typeof startStack>>;

/**
 * One stack for the test file (started before its tests, stopped after them); before each test
 * the fake model's script is cleared and `use` gets a fresh page in a new browser context.
 */
export function stackPerFile(env: Record<string, string | undefined>, context: Parameters<Browser['newContext']>[0], use: (stack: Stack, page: Page) => void) {
  let stack: Stack | undefined;
  beforeAll(async () => {
    stack = await startStack(env);
  });
  afterAll(async () => {
    await stack?.stop();
  });
  beforeEach(async () => {
    stack!.fake.reset();
    use(stack!, await (await stack!.browser.newContext(context)).newPage());
  });
}

/** Types a prompt on the landing page and sends it. */
export async function sendPrompt(page: Page, text: string) {
  await page.getByRole('textbox', { name: 'Prompt' }).fill(text);
  await page.getByRole('button', { name: 'Send' }).click();
}
