import type { UIMessage } from 'ai';
import { afterEach, describe, expect, it } from 'vitest';
import { FakeRuntime } from '../../../tests/fakes/fake-runtime';
import { FakeTab } from '../../../tests/fakes/fake-webcontainer';
import { resetWebContainerBootForTests, WebContainerRuntime } from '../runtime/webcontainer-runtime';
import { Workbench } from './workbench';

/** The browser runtime through the whole workbench, as ChatSession makes one per open chat. */
const user = (text: string): UIMessage => ({ id: `u-${text}`, role: 'user', parts: [{ type: 'text', text }] });
const assistant = (id: string, text: string): UIMessage => ({ id, role: 'assistant', parts: [{ type: 'text', text }] });
const artifact = (actions: string) => `<boltArtifact id="app" title="App">${actions}</boltArtifact>`;
const file = (path: string, content: string) => `<boltAction type="file" filePath="${path}">${content}</boltAction>`;
const shell = (command: string) => `<boltAction type="shell">${command}</boltAction>`;
const start = (command: string) => `<boltAction type="start">${command}</boltAction>`;

const SCAFFOLD = 'npm create vite@latest . -- --template vanilla';
const packageJson = (name: string) => `{"name":"${name}","scripts":{"dev":"vite"},"devDependencies":{"vite":"^6.0.0"}}`;

function openChat(tab: FakeTab, project: string) {
  return new Workbench({ project, createBrowserRuntime: () => new WebContainerRuntime({ probe: async () => {}, load: tab.load }), createCloudRuntime: () => new FakeRuntime({ kind: 'cloud' }) });
}

async function answer(wb: Workbench, prompt: string, text: string) {
  wb.update([user(prompt), assistant(`a-${prompt}`, text)], false);
  await wb.runner.idle();
  // Read-back after a command runs without being waited for.
  await new Promise((resolve) => setTimeout(resolve, 50));
}

const newTab = () =>
  new FakeTab()
  .program(SCAFFOLD, { creates: { 'package.json': packageJson('scaffolded'), 'index.html': '<script type="module" src="/main.js"></script>', 'public/vite.svg': '<svg/>' } })
  .program('npm install', { creates: { 'node_modules/vite/package.json': '{}', 'package-lock.json': '{"lockfileVersion":3}' } })
  .program('npm run dev', { listen: 5173 });
const FIRST_ANSWER = artifact(shell(SCAFFOLD) + file('main.js', "console.log('first')") + shell('npm install') + start('npm run dev'));

afterEach(() => resetWebContainerBootForTests());

describe('browser-runtime chats in one tab', () => {
  it('brings the files that commands create (a scaffolder, a lockfile) into the store, as the cloud runtime does', async () => {
    const first = openChat(newTab(), 'chat-1');
    await answer(first, 'a vanilla vite counter', FIRST_ANSWER);
    expect(first.runtime.routing.get().target).toBe('browser');
    expect(Object.keys(first.files.files.get()).sort()).toEqual(['index.html', 'main.js', 'package-lock.json', 'package.json', 'public/vite.svg']);
    first.dispose();
  });

  it("starts the next chat opened from the sidebar with none of the first's files or servers", async () => {
    const tab = newTab();
    const first = openChat(tab, 'chat-1');
    await answer(first, 'a vanilla vite counter', FIRST_ANSWER);
    expect(tab.instance!.running()).toEqual(['npm run dev']);
    first.dispose(); // the sidebar opens another chat

    const second = openChat(tab, 'chat-2');
    await answer(second, 'a page that says second', artifact(file('package.json', packageJson('second')) + file('index.html', '<h1>second</h1>') + shell('npm install') + start('npm run dev')));
    const container = tab.instance!;
    expect({
      workdir: container.files(),
      store: Object.keys(second.files.files.get()).sort(),
      running: container.running(),
      start: Object.values(second.runner.actions.get()).find((a) => a.type === 'start')?.status.state,
    }).toEqual({
      workdir: ['index.html', 'node_modules/vite/package.json', 'package-lock.json', 'package.json'],
      store: ['index.html', 'package-lock.json', 'package.json'],
      running: ['npm run dev'],
      start: 'complete',
    });
    expect(second.runtime.previews.get().map((p) => p.port)).toEqual([5173]);
    second.dispose();
  });
});

describe('a chat closed while its runtime was still coming up', () => {
  it('does not fall back to a cloud sandbox when its browser runtime fails after the chat closed', async () => {
    const clouds: unknown[] = [];
    const saved: unknown[] = [];
    const wb = new Workbench({
      project: 'closed',
      createBrowserRuntime: () => new FakeRuntime({ failBoot: 'no network' }),
      createCloudRuntime: (options) => (clouds.push(options), new FakeRuntime({ kind: 'cloud' })),
      saveRuntimeRecord: (record) => saved.push(record),
    });
    wb.restore([user('a page'), assistant('a1', artifact(file('index.html', '<h1>hi</h1>')))], { 'index.html': '<h1>hi</h1>' }, {});
    wb.dispose(); // the sidebar opened another chat before the boot failed
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect({ clouds: clouds.length, saved }).toEqual({ clouds: 0, saved: [] });
  });

  it('does not move to a cloud sandbox when a registry fact arrives after the chat closed', async () => {
    const clouds: unknown[] = [];
    let answerRegistry!: (verdicts: Record<string, { name: string; needsServer: string | null }>) => void;
    const wb = new Workbench({
      project: 'closed',
      createBrowserRuntime: () => new FakeRuntime(),
      createCloudRuntime: (options) => (clouds.push(options), new FakeRuntime({ kind: 'cloud' })),
      lookupPackages: () => new Promise((resolve) => (answerRegistry = resolve)),
    });
    wb.update([user('a queue'), assistant('a1', artifact(file('package.json', '{"dependencies":{"zeromq":"^6.0.0"}}')))], false);
    await wb.runner.idle();
    wb.dispose();
    answerRegistry({ zeromq: { name: 'zeromq', needsServer: 'zeromq compiles a native addon when it installs' } });
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(clouds).toEqual([]);
  });
});
