import { afterEach, describe, expect, it } from 'vitest';
import { FakeTab } from '../../../tests/fakes/fake-webcontainer';
import type { PreviewInfo } from './runtime';
import { resetWebContainerBootForTests, WebContainerRuntime } from './webcontainer-runtime';

/**
 * Chats opened one after the other in one tab (the sidebar navigates client-side): the tab keeps
 * its one WebContainer, so what a chat leaves there is the next chat's business unless the
 * runtime clears it.
 */
const reachable = async () => {};
const quietly = { onOutput: () => {} };
/** Killed servers get 300 ms to free their ports here (5 s in the app). */
const runtimeIn = (tab: FakeTab) => new WebContainerRuntime({ probe: reachable, load: tab.load, stopWaitMs: 300 });

function previewOn(runtime: WebContainerRuntime, port: number) {
  return new Promise<PreviewInfo>((resolve) => runtime.onPreview((preview) => preview.port === port && resolve(preview)));
}

/** Chat one: a Vite app installed and running on 5173. */
async function firstChat(tab: FakeTab) {
  const runtime = runtimeIn(tab);
  await runtime.writeFiles({ 'package.json': '{"name":"first"}', 'src/first.js': 'first', '.env': 'FIRST=1' });
  await runtime.exec('npm install', quietly);
  const up = previewOn(runtime, 5173);
  const server = await runtime.start('npm run dev', quietly);
  await up;
  return { runtime, server };
}

afterEach(() => resetWebContainerBootForTests());

describe('two chats one after the other in one tab', () => {
  it("starts the second with an empty workdir, the first's server killed and its port closed", async () => {
    const tab = new FakeTab().program('npm install', { creates: { 'node_modules/vite/index.js': 'vite', 'package-lock.json': '{}' } }).program('npm run dev', { listen: 5173 });
    const first = await firstChat(tab);
    void first.runtime.dispose(); // as the workbench does when the chat closes: nobody waits for it

    const second = runtimeIn(tab);
    await second.ready();
    const container = tab.instance!;
    const left = { files: container.files(), running: container.running(), ports: [...container.ports.keys()] };
    // The second chat's own server needs the port (the first's would make it fail with EADDRINUSE).
    await second.writeFiles({ 'package.json': '{"name":"second"}' });
    const output: string[] = [];
    const server = await second.start('npm run dev', { onOutput: (chunk) => output.push(chunk) });
    const outcome = await Promise.race([previewOn(second, 5173).then(() => 'serving'), server.exit.then((code) => `exited ${code}: ${output.join('').trim()}`)]);
    expect({ left, outcome }).toEqual({ left: { files: [], running: [], ports: [] }, outcome: 'serving' });
    expect(await first.server.exit).toBe(143);
    expect(await second.readTree()).toEqual({ 'package.json': '{"name":"second"}' });
    expect(tab.boots).toBe(1); // the instance is reused, not booted again
  });

  it('a server that ignores its kill does not outlive its chat: the instance is torn down and booted again', async () => {
    const tab = new FakeTab().program('npm run dev', { listen: 5173, unkillable: true });
    const first = await firstChat(tab);
    const old = tab.instance!;
    void first.runtime.dispose();

    const second = runtimeIn(tab);
    await second.ready();
    expect(old.tornDown).toBe(true);
    expect(tab.boots).toBe(2);
    expect(tab.instance).not.toBe(old);
    expect(tab.instance!.files()).toEqual([]);
    expect(tab.instance!.running()).toEqual([]);
  });

  it("a server a shell command left in the background (`node server.js &`) is stopped with its chat", async () => {
    const tab = new FakeTab().program('node server.js &', { background: 3000 });
    const first = runtimeIn(tab);
    const up = previewOn(first, 3000);
    expect(await first.exec('node server.js &', quietly)).toEqual({ exitCode: 0 });
    await up;
    void first.dispose();

    const second = runtimeIn(tab);
    await second.ready();
    expect([...tab.instance!.ports.keys()]).toEqual([]);
    expect(tab.instance!.running()).toEqual([]);
  });

  it("the closed chat's writes still on their way do not land in the next chat's workdir", async () => {
    const tab = new FakeTab();
    const first = runtimeIn(tab);
    await first.ready();
    const many = Object.fromEntries(Array.from({ length: 200 }, (_, i) => [`src/file${i}.js`, `${i}`]));
    const writing = first.writeFiles(many).catch(() => 'refused');
    void first.dispose();

    const second = runtimeIn(tab);
    await second.ready();
    await writing;
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(tab.instance!.files()).toEqual([]);
  });

  it('a runtime made after an unclosed one still starts clean (the tab, not the chat, holds the container)', async () => {
    const tab = new FakeTab().program('npm run dev', { listen: 5173 });
    await firstChat(tab); // never disposed (a reload of the module, a chat that crashed)

    const second = runtimeIn(tab);
    await second.ready();
    expect(tab.instance!.files()).toEqual([]);
    expect(tab.instance!.running()).toEqual([]);
  });
});

describe('files that commands create', () => {
  it('are read back, as the cloud runtime does (capabilities.readBack)', async () => {
    const tab = new FakeTab().program('npm create vite@latest . -- --template react', { creates: { 'vite.config.js': 'export default {}', 'src/App.jsx': 'app' } });
    const runtime = runtimeIn(tab);
    expect(runtime.capabilities.readBack).toBe(true);
    await runtime.exec('npm create vite@latest . -- --template react', quietly);
    expect(await runtime.readTree()).toEqual({ 'vite.config.js': 'export default {}', 'src/App.jsx': 'app' });
  });
});

describe('the WebContainer stand-in', () => {
  it('boots one instance per tab until teardown, and keeps files and processes for whoever comes next', async () => {
    const tab = new FakeTab().program('serve', { listen: 3000 });
    const boot = (await tab.load()) as unknown as { WebContainer: { boot: () => Promise<{ teardown(): void; fs: { writeFile(p: string, d: string): Promise<void> }; spawn(c: string, a: string[]): Promise<unknown> }> } };
    const first = await boot.WebContainer.boot();
    await expect(boot.WebContainer.boot()).rejects.toThrow('Only a single WebContainer instance can be booted');
    await first.fs.writeFile('left.txt', 'x');
    await first.spawn('jsh', ['-c', 'serve']);
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(tab.instance!.files()).toEqual(['left.txt']);
    expect(tab.instance!.running()).toEqual(['serve']);
    first.teardown();
    const second = await boot.WebContainer.boot();
    expect(second).not.toBe(first);
    expect(tab.instance!.files()).toEqual([]);
    expect(() => first.fs.writeFile('x', 'y')).toThrow(/released/);
  });
});
