import { HttpError } from '../http/json-body.server';

/**
 * Caps on the runs API, which spends sandboxes and model tokens without a person watching: runs at
 * once, and runs started in a sliding hour (this instance's count).
 */
export class RunLimits {
  #running = 0;
  #started: number[] = [];

  constructor(
    private readonly maxConcurrent: number,
    private readonly perHour: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Takes a slot or throws the 429 that says which cap is reached; call the returned release when the run ends. */
  admit(): () => void {
    const hourAgo = this.now() - 3_600_000;
    this.#started = this.#started.filter((at) => at > hourAgo);
    if (this.#running >= this.maxConcurrent) throw new HttpError(429, `${this.#running} runs are under way, the most this server runs at once (RUNS_MAX_CONCURRENT). Try again when one has finished.`, { 'Retry-After': '60' });
    if (this.#started.length >= this.perHour) {
      const wait = Math.max(1, Math.ceil((this.#started[0] + 3_600_000 - this.now()) / 1000));
      throw new HttpError(429, `${this.perHour} runs were started in the last hour, the most this server allows (RUNS_PER_HOUR). Wait ${wait} s.`, { 'Retry-After': String(wait) });
    }
    this.#running++;
    this.#started.push(this.now());
    let released = false;
    return () => {
      if (!released) this.#running--;
      released = true;
    };
  }
}
