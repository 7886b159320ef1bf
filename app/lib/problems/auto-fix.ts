import type { Problem } from './problem';

export interface AutoFixOptions {
  /** Fixes tried for one signature before auto-fix gives up (default 2). */
  maxAttempts: number;
}

export const DEFAULT_AUTO_FIX: AutoFixOptions = { maxAttempts: 2 };

export type AutoFixDecision = { fix: Problem[] } | { stop: string } | { wait: true } | { held: string };

/** Why only the page's problems are left: a page can write anything in an error, and an agent can run commands. */
export const HELD_FOR_A_CLICK = "Auto-fix leaves what the app's page reported to you: the model can run commands here, and a page can write anything in an error. Read it, then click Fix it.";

/**
 * The stop rules of auto-fix, apart from the UI: each problem signature gets at most
 * `maxAttempts` fixes; when a signature comes back after its last allowed fix, auto-fix stops at
 * once (for every problem, not only that one) and says why; so it does when the chat's tokens
 * have reached the budget. Stopping is final until the user turns auto-fix on again.
 */
export class AutoFix {
  #attempts = new Map<string, number>();
  #stopped: string | null = null;

  constructor(readonly options: AutoFixOptions = DEFAULT_AUTO_FIX) {}

  get stopped(): string | null {
    return this.#stopped;
  }

  /**
   * What to do about the current problems, once the answer and its commands have settled.
   * `tokens`: what the chat has used so far, and its budget (absent: not known yet).
   * `mode.agent`: the fix would go to a model that can call tools; then problems the page
   * reported wait for the user's click (`held`), and only the runtime's own are fixed.
   */
  decide(all: readonly Problem[], tokens?: { used: number; budget: number }, mode: { agent: boolean } = { agent: false }): AutoFixDecision {
    if (this.#stopped) return { wait: true };
    if (all.length === 0) return { wait: true };
    const problems = mode.agent ? all.filter((p) => p.origin !== 'page') : all;
    if (problems.length === 0) return { held: HELD_FOR_A_CLICK };
    if (tokens && tokens.used >= tokens.budget) {
      this.#stopped = `Auto-fix stopped: this chat has used ${tokens.used.toLocaleString('en-US')} tokens, its budget is ${tokens.budget.toLocaleString('en-US')}. Fix it by hand, or raise AUTO_FIX_TOKEN_BUDGET on the server.`;
      return { stop: this.#stopped };
    }
    const spent = problems.find((p) => (this.#attempts.get(p.signature) ?? 0) >= this.options.maxAttempts);
    if (spent) {
      const tries = this.options.maxAttempts === 1 ? 'one fix' : `${this.options.maxAttempts} fixes`;
      this.#stopped = `Auto-fix stopped: the same problem came back after ${tries} (“${spent.message.split('\n')[0].slice(0, 120)}”). Fix it by hand, or ask for a different approach.`;
      return { stop: this.#stopped };
    }
    for (const problem of problems) this.#attempts.set(problem.signature, (this.#attempts.get(problem.signature) ?? 0) + 1);
    return { fix: [...problems] };
  }

  /** How many fixes a signature has had. */
  attempts(signature: string): number {
    return this.#attempts.get(signature) ?? 0;
  }

  /** Turned on again by the user: a fresh budget. */
  reset() {
    this.#attempts.clear();
    this.#stopped = null;
  }
}
