// An app for the cloud story on either server: a native addon (so the router sends it to the
// cloud) and a page that reloads when its dev server says so over a WebSocket, as Vite's HMR
// client does. The fake Daytona serves the project's index.html and that WebSocket.
import type { Page } from 'playwright-core';

export function edgeAppPage(version: string) {
  return `<!doctype html><h1>Edge app ${version}</h1><script>const hmr = new WebSocket(location.origin.replace('http', 'ws') + '/__hmr', 'vite-hmr'); hmr.onmessage = () => location.reload();</script>`;
}

export function edgeAppAnswer(version: string) {
  return `Here it is. <boltArtifact id="edge" title="Edge app"><boltAction type="file" filePath="package.json">{ "name": "edge-app", "scripts": { "dev": "node server.js" }, "dependencies": { "bcrypt": "^5.1.1" } }</boltAction><boltAction type="file" filePath="index.html">${edgeAppPage(version)}</boltAction><boltAction type="shell">npm install</boltAction><boltAction type="start">npm run dev</boltAction></boltArtifact>`;
}

/** Sends the prompt on the landing page and waits for the app's heading in the Preview; returns Send → preview in ms. */
export async function sendAndAwaitPreview(page: Page, appUrl: string, prompt: string, heading: string): Promise<number> {
  await page.goto(appUrl);
  await page.getByRole('textbox', { name: 'Prompt' }).fill(prompt);
  const started = Date.now();
  await page.getByRole('button', { name: 'Send' }).click();
  await page.getByRole('tab', { name: 'Preview' }).click({ timeout: 30_000 });
  await page.frameLocator('iframe[title="Preview"]').getByRole('heading', { name: heading }).waitFor({ timeout: 60_000 });
  return Date.now() - started;
}
