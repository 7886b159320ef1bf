import type { UIMessage } from 'ai';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { FakeRuntime } from '../../../tests/fakes/fake-runtime';
import type { PublishRecord } from '../persistence/chat-db';
import { Workbench } from '../stores/workbench';
import { Publisher } from './publisher';

const viteProject = `<boltArtifact id="a" title="A"><boltAction type="file" filePath="package.json">{"scripts":{"build":"vite build"},"devDependencies":{"vite":"^5"}}</boltAction><boltAction type="file" filePath="index.html"><h1>hi</h1></boltAction></boltArtifact>`;

async function setup(output: Awaited<ReturnType<NonNullable<FakeRuntime['capabilities']['readOutput']>>> | 'none' = null) {
  const runtime = new FakeRuntime({ kind: 'cloud' });
  if (output !== 'none') runtime.capabilities = { readOutput: async () => output };
  const wb = new Workbench({ project: 'chat1', createBrowserRuntime: () => runtime, createCloudRuntime: () => runtime, runtimeRecord: { choice: 'cloud' } });
  const messages: UIMessage[] = [
    { id: 'u', role: 'user', parts: [{ type: 'text', text: 'build' }] },
    { id: 'a', role: 'assistant', parts: [{ type: 'text', text: viteProject }] },
  ];
  wb.update(messages, false);
  await wb.runner.idle();
  const saved: Array<PublishRecord | undefined> = [];
  const publisher = new Publisher(wb, { save: (record) => saved.push(record) });
  return { wb, runtime, publisher, saved };
}

afterEach(() => vi.unstubAllGlobals());

describe('publishing a static site', () => {
  it('a failing build publishes nothing and becomes a problem the chat shows with Fix it', async () => {
    const { wb, runtime, publisher, saved } = await setup();
    runtime.scripts.set('npm run build', { exitCode: 1, output: 'error: Could not resolve "./missing.js"\n' });
    const fetch = vi.fn();
    vi.stubGlobal('fetch', fetch);
    await publisher.publishStatic('netlify', 'site');
    expect(publisher.phase.get()).toBe('failed');
    expect(publisher.error.get()).toBe('The build failed (`npm run build` exited with code 1); nothing was published. The problem is in the chat, with Fix it.');
    expect(wb.problems.active.get()[0]).toMatchObject({ kind: 'command', message: expect.stringContaining('npm run build') });
    expect(fetch).not.toHaveBeenCalled();
    expect(saved).toEqual([]);
  });

  it('builds what the chat has now: files still on their way to the runtime land before the build runs', async () => {
    const { wb, runtime, publisher } = await setup(null);
    let release = () => {};
    runtime.writeGate = new Promise<void>((resolve) => (release = resolve));
    wb.files.set('index.html', '<h1>second</h1>');
    setTimeout(release, 100);
    // What the runtime holds when the build starts.
    let built: string | undefined;
    const exec = runtime.exec.bind(runtime);
    runtime.exec = (command, options) => {
      built = runtime.files['index.html'];
      return exec(command, options);
    };
    await publisher.publishStatic('netlify', 'site');
    expect(built).toBe('<h1>second</h1>');
  });

  it('clicked while an answer is still being written, builds what that answer ends with', async () => {
    const { wb, runtime, publisher } = await setup(null);
    const follow = (text: string): UIMessage[] => [
      { id: 'u', role: 'user', parts: [{ type: 'text', text: 'build' }] },
      { id: 'a', role: 'assistant', parts: [{ type: 'text', text: viteProject }] },
      { id: 'u2', role: 'user', parts: [{ type: 'text', text: 'second page' }] },
      { id: 'a2', role: 'assistant', parts: [{ type: 'text', text }] },
    ];
    const second = `Here it is. <boltArtifact id="b" title="B"><boltAction type="file" filePath="index.html"><h1>second</h1></boltAction></boltArtifact>`;
    wb.update(follow('Here it is. <boltArtifact id="b" title="B">'), true);
    let built: string | undefined;
    const exec = runtime.exec.bind(runtime);
    runtime.exec = (command, options) => {
      built ??= runtime.files['index.html'];
      return exec(command, options);
    };
    const publishing = publisher.publishStatic('netlify', 'site');
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(built).toBeUndefined();
    expect(publisher.phase.get()).toBe('building');
    expect(publisher.log.get()).toContain('Waiting for the answer to finish');
    wb.update(follow(second), false);
    await publishing;
    expect(built).toBe('<h1>second</h1>\n');
  });

  it('a build without output says so, and sends nothing', async () => {
    const { publisher } = await setup(null);
    const fetch = vi.fn();
    vi.stubGlobal('fetch', fetch);
    await publisher.publishStatic('netlify', 'site');
    expect(publisher.error.get()).toBe('The build finished but made nothing to publish: none of dist/, build/, out/ has an index.html.');
    expect(fetch).not.toHaveBeenCalled();
  });

  it('sends the output to the server, follows its progress and keeps the site for the next publish', async () => {
    const { publisher, saved, runtime } = await setup({ dir: 'dist', files: [{ path: 'index.html', content: btoa('<h1>hi</h1>') }] });
    const bodies: unknown[] = [];
    const lines = ['{"type":"state","state":"uploading"}', '{"type":"done","siteId":"site-1","url":"https://site.example/","uploaded":1,"reused":0}'];
    vi.stubGlobal('fetch', async (_url: string, init: RequestInit) => {
      bodies.push(JSON.parse(String(init.body)));
      return new Response(lines.join('\n') + '\n', { headers: { 'content-type': 'application/x-ndjson' } });
    });
    await publisher.publishStatic('netlify', 'site');
    expect(runtime.log).toContain('exec npm run build');
    expect(bodies[0]).toEqual({ host: 'netlify', siteName: 'site', files: [{ path: 'index.html', content: btoa('<h1>hi</h1>') }] });
    expect(saved.at(-1)).toMatchObject({ target: 'netlify', siteName: 'site', siteId: 'site-1', url: 'https://site.example/' });
    expect(publisher.log.get()).toContain('Live at https://site.example/');
    // The next publish of the same site names it.
    await publisher.publishStatic('netlify', 'site');
    expect(bodies[1]).toMatchObject({ siteId: 'site-1' });
  });

  it('a refused token asks for another; a cut stream says to publish again', async () => {
    const { publisher } = await setup({ dir: 'dist', files: [{ path: 'index.html', content: btoa('x') }] });
    vi.stubGlobal('fetch', async () => Response.json({ error: 'Netlify refused the token (HTTP 401) while creating the site: … Paste a new one.' }, { status: 401 }));
    await publisher.publishStatic('netlify', 'site');
    expect(publisher.tokenRefused.get()).toBe(true);
    vi.stubGlobal('fetch', async () => new Response('{"type":"state","state":"uploading"}\n', { headers: { 'content-type': 'application/x-ndjson' } }));
    await publisher.publishStatic('netlify', 'site');
    expect(publisher.tokenRefused.get()).toBe(false);
    expect(publisher.error.get()).toMatch(/^The publish stopped before it finished/);
  });
});
