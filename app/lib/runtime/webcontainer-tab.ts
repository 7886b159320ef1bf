import type { WebContainer, WebContainerProcess } from '@webcontainer/api';
import { RuntimeUnavailableError } from './runtime';

/** How long killed processes get to exit and close their ports (then the instance is torn down instead). */
export const STOP_WAIT_MS = 5_000;

const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The tab's one WebContainer. The API boots one instance per tab (a second `boot()` before
 * `teardown()` throws), and its files and processes outlive the chat that made them, so chats
 * opened one after the other take turns: each claims it clean — no process running, no port
 * open, an empty workdir — and releases it when it closes.
 */
export class TabContainer {
  readonly container: WebContainer;
  /** The processes spawned in this instance that have not exited, whichever chat spawned them. */
  #processes = new Set<WebContainerProcess>();
  #openPorts = new Set<number>();
  #portClosed = new Set<(port: number) => void>();
  /** The chat's runtime that holds it now. */
  owner: object | null = null;

  constructor(container: WebContainer) {
    this.container = container;
    container.on('port', (port, type) => {
      if (type === 'open') return void this.#openPorts.add(port);
      this.#openPorts.delete(port);
      for (const listener of this.#portClosed) listener(port);
    });
  }

  /** Counts a process until it exits (so that a release can kill it). */
  track(process: WebContainerProcess) {
    this.#processes.add(process);
    const forget = () => this.#processes.delete(process);
    process.exit.then(forget, forget);
  }

  /** Resolves when `port` is closed, or after `ms` if it stays open. */
  async portClosed(port: number, ms: number): Promise<void> {
    if (!this.#openPorts.has(port)) return;
    await this.#until(() => !this.#openPorts.has(port), ms);
  }

  /**
   * Kills every process and clears the workdir. False when something survives the wait (a
   * Node in a hot loop ignores kill; a server started with `&` has no handle): only a teardown
   * ends those.
   */
  async reset(waitMs: number): Promise<boolean> {
    for (const process of this.#processes) process.kill();
    await this.#until(() => this.#processes.size === 0 && this.#openPorts.size === 0, waitMs);
    if (this.#processes.size > 0 || this.#openPorts.size > 0) return false;
    const fs = this.container.fs;
    for (const name of await fs.readdir('.')) await fs.rm(name, { recursive: true, force: true });
    return true;
  }

  #until(done: () => boolean, ms: number): Promise<void> {
    if (done()) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const check = () => {
        if (!done()) return;
        finish();
      };
      const finish = () => {
        clearTimeout(timer);
        clearInterval(poll);
        this.#portClosed.delete(check);
        resolve();
      };
      const timer = setTimeout(finish, ms);
      // Process exits are not events here: look again now and then, and at each closed port.
      const poll = setInterval(check, 50);
      this.#portClosed.add(check);
    });
  }
}

type Boot = () => Promise<WebContainer>;

let instance: Promise<TabContainer> | undefined;
/** Claims and releases run one after the other, in the order they were asked for. */
let turns: Promise<unknown> = Promise.resolve();

function inTurn<T>(work: () => Promise<T>): Promise<T> {
  const result = turns.then(work);
  turns = result.catch(() => {});
  return result;
}

function booted(boot: Boot): Promise<TabContainer> {
  instance ??= boot().then(
    (container) => new TabContainer(container),
    (error: unknown) => {
      instance = undefined;
      throw error;
    },
  );
  return instance;
}

/**
 * The tab's container for `owner`, clean: after the chats before it have released it, with
 * whatever they left killed and removed (torn down and booted again if something survives).
 * `closed` says the owner no longer wants it (its chat closed while it waited its turn).
 */
export function claimTabContainer(boot: Boot, owner: object, closed: () => boolean, waitMs = STOP_WAIT_MS): Promise<TabContainer> {
  return inTurn(async () => {
    let tab = await booted(boot);
    if (closed()) throw new RuntimeUnavailableError('its chat was closed');
    // A reset that fails (the file system refusing) is dealt with as one that leaves something behind.
    if (!(await tab.reset(waitMs).catch(() => false))) tab = await reboot(tab, boot);
    tab.owner = owner;
    return tab;
  });
}

/**
 * The chat has closed: once its own work has settled (`settled`, bounded), every process it
 * started is killed and its files are removed, so that nothing of it runs on behind the next
 * chat — or behind a cloud chat, which never claims the container.
 */
export function releaseTabContainer(claimed: Promise<TabContainer>, owner: object, settled: Promise<unknown>, waitMs = STOP_WAIT_MS): Promise<void> {
  return inTurn(async () => {
    const tab = await claimed.catch(() => undefined);
    if (!tab || tab.owner !== owner) return;
    tab.owner = null;
    await Promise.race([settled, delay(waitMs)]);
    // What survives is torn down now; the next claim boots afresh (a cloud chat never does).
    if (!(await tab.reset(waitMs).catch(() => false))) tearDown(tab);
  });
}

/** Teardown ends every process of the instance; `boot()` waits for it, then gives a fresh one. */
function reboot(tab: TabContainer, boot: Boot): Promise<TabContainer> {
  tearDown(tab);
  return booted(boot);
}

function tearDown(tab: TabContainer) {
  instance = undefined;
  tab.container.teardown();
}

/** Test hook: a new tab (the module's state is the tab's). */
export function forgetTabContainerForTests() {
  instance = undefined;
  turns = Promise.resolve();
}
