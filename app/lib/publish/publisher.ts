import { atom } from 'nanostores';
import type { PublishRecord } from '../persistence/chat-db';
import { errorMessage } from '../error-message';
import { exitProblem, stripAnsi } from '../problems/problem';
import { publishPlan, type PublishPlan } from '../routing/publish-target';
import type { BuildOutput } from '../runtime/runtime';
import { SandboxApiError, toBase64 } from '../sandbox/sandbox-client';
import type { Workbench } from '../stores/workbench';
import type { PublishEvent, StaticHost } from './publish-api';

/** The publish API's client (and the schemas it checks the server's events with): loaded on the first publish. */
const publishClient = () => import('./publish-client').then((module) => module.publishApi);

export type PublishPhase = 'idle' | 'building' | 'collecting' | 'publishing' | 'done' | 'failed';

/** How much of the build's and the host's output the dialog keeps. */
const LOG_CHARS = 20_000;

/**
 * One chat's publishing: the project's own build in its runtime (a failure becomes a problem with
 * Fix it), its output collected from the runtime, sent to the host through the server; or the
 * project published as a sandbox that keeps running. The record (where, the site, the URL) is
 * saved with the chat, so the next Publish updates the same site.
 */
/** Where a chat's publish record comes from and goes to. */
export interface PublishOptions {
  record?: PublishRecord;
  save: (record: PublishRecord | undefined) => void;
}

export class Publisher {
  readonly phase = atom<PublishPhase>('idle');
  readonly log = atom('');
  readonly error = atom<string | null>(null);
  /** The host (or the server, for want of one) refused the token: the dialog asks for another. */
  readonly tokenRefused = atom(false);
  readonly record = atom<PublishRecord | undefined>(undefined);
  #workbench: Workbench;
  #save: (record: PublishRecord | undefined) => void;

  constructor(workbench: Workbench, options: PublishOptions) {
    this.#workbench = workbench;
    this.#save = options.save;
    this.record.set(options.record);
  }

  plan(): PublishPlan {
    return publishPlan(this.#workbench.files.snapshot());
  }

  /** Builds (when the project has a build), collects the output and publishes it to `host`. */
  async publishStatic(host: StaticHost, siteName: string) {
    await this.#run(async () => {
      await this.#settled('building');
      const plan = this.plan();
      const output = plan.build ? await this.#buildOutput(plan) : this.#plainPage();
      if (!output) return;
      this.phase.set('publishing');
      const previous = this.record.get();
      const siteId = previous?.target === host && previous.siteName === siteName ? previous.siteId : undefined;
      const done = await (await publishClient()).publishStatic({ host, siteName, ...(siteId ? { siteId } : {}), files: output.files }, (event) => this.#progress(event));
      this.#keep({ target: host, siteName, siteId: done.siteId, url: done.url, at: Date.now() });
    });
  }

  /** Publishes the project as a sandbox that keeps running (updated in place when published before). */
  async publishSandbox(options: { newLink?: boolean } = {}) {
    await this.#run(async () => {
      await this.#settled('publishing');
      const files = Object.entries(this.#workbench.files.snapshot()).map(([path, content]) => ({ path, content }));
      const { installs, start } = this.#workbench.runner.replayPlan(this.#workbench.files.files.get()['package.json']);
      if (!start) throw new Error('Nothing says how to start this app (no start command, no start or dev script): ask for one, then publish.');
      const done = await (await publishClient()).publishSandbox({ project: this.#workbench.project, files, installs, start, ...(options.newLink ? { newLink: true } : {}) }, (event) => this.#progress(event));
      const previous = this.record.get();
      this.#keep({ target: 'sandbox', siteId: done.siteId, url: done.url ?? (previous?.target === 'sandbox' ? previous.url : undefined), at: Date.now() });
    });
  }

  async unpublish() {
    await this.#run(async () => {
      await (await publishClient()).unpublish(this.#workbench.project);
      this.record.set(undefined);
      this.#save(undefined);
      this.#line('Unpublished: the sandbox is deleted and its link no longer answers.');
    });
  }

  async #run(work: () => Promise<void>) {
    if (['building', 'collecting', 'publishing'].includes(this.phase.get())) return;
    this.error.set(null);
    this.tokenRefused.set(false);
    this.log.set('');
    try {
      await work();
      if (this.phase.get() !== 'failed') this.phase.set('done');
    } catch (error) {
      this.error.set(errorMessage(error));
      this.tokenRefused.set(error instanceof SandboxApiError && error.status === 401);
      this.phase.set('failed');
    }
  }

  /**
   * What is published is the project once the answer being written has ended and its commands
   * (its npm install) have run: a Publish clicked mid-answer would otherwise send the files before it.
   */
  async #settled(phase: PublishPhase) {
    this.phase.set(phase);
    this.#line(this.#workbench.answering.get() ? 'Waiting for the answer to finish and its commands to run…' : 'Waiting for the answer’s commands to finish…');
    await this.#workbench.settled();
  }

  /** The project's own build in its runtime; its output, or null (the reason is set) when there is none to publish. */
  async #buildOutput(plan: PublishPlan): Promise<BuildOutput | null> {
    this.phase.set('building');
    const runtime = await this.#workbench.runtime.awaitRuntime();
    const command = plan.build!;
    this.#workbench.terminal.command(command, 'for Publish');
    let tail = '';
    const { exitCode } = await runtime.exec(command, {
      onOutput: (chunk) => {
        tail = (tail + chunk).slice(-64 * 1024);
        this.#workbench.terminal.output(chunk);
        this.#line(chunk, false);
      },
    });
    if (exitCode !== 0) {
      this.#workbench.problems.report(exitProblem('command', command, exitCode, tail));
      this.phase.set('failed');
      this.error.set(`The build failed (\`${command}\` exited with code ${exitCode}); nothing was published. The problem is in the chat, with Fix it.`);
      return null;
    }
    this.phase.set('collecting');
    const read = runtime.capabilities.readOutput;
    if (!read) throw new Error('This runtime cannot hand over its build output.');
    const output = await read(plan.dirs);
    if (!output || output.files.length === 0) throw new Error(`The build finished but made nothing to publish: none of ${plan.dirs.map((d) => `${d}/`).join(', ')} has an index.html.`);
    this.#line(`Build output: ${output.dir}/ (${output.files.length} files)`);
    return output;
  }

  /** A plain page: its files are the site. */
  #plainPage(): BuildOutput {
    const files = Object.entries(this.#workbench.files.snapshot()).map(([path, content]) => ({ path, content: toBase64(new TextEncoder().encode(content)) }));
    return { dir: '.', files };
  }

  #progress(event: PublishEvent) {
    if (event.type === 'log') this.#line(event.text);
    else if (event.type === 'state') this.#line(`${event.state}…`);
    else if (event.type === 'upload') this.#line(`uploaded ${event.done} of ${event.total}`);
    else if (event.type === 'done') this.#line(event.url ? `Live at ${event.url}` : 'Updated.');
  }

  #line(raw: string, newline = true) {
    // The dialog shows plain text: the build's colours are for the terminal.
    const text = stripAnsi(raw);
    this.log.set((this.log.get() + text + (newline && !text.endsWith('\n') ? '\n' : '')).slice(-LOG_CHARS));
  }

  #keep(record: PublishRecord) {
    this.record.set(record);
    this.#save(record);
  }
}
