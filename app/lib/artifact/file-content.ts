/**
 * Shapes a streamed file body as bolt.new writes it: the line break right after the opening tag
 * (and any blank lines before the first content) and the blank lines before `</boltAction>` are
 * not part of the file, and a non-empty file ends with exactly one newline. A script whose first
 * line is `#!/usr/bin/env node` must stay runnable.
 *
 * While streaming, only what could still turn out to be that leading or trailing white space is
 * held back, so the editor keeps filling in as text arrives. Work is linear in the input.
 */
export class FileContentShaper {
  #started = false;
  /** White space not yet known to be inside the file. */
  #held = '';
  #emitted = false;

  /** Takes raw content; returns the part that is certainly in the file. */
  push(text: string): string {
    if (!this.#started) {
      const first = text.search(/\S/);
      if (first === -1) {
        // Blank lines before the content are dropped; keep only the current line's indentation.
        const newline = Math.max(text.lastIndexOf('\n'), text.lastIndexOf('\r'));
        this.#held = newline === -1 ? this.#held + text : text.slice(newline + 1);
        return '';
      }
      this.#started = true;
      const newline = Math.max(text.lastIndexOf('\n', first), text.lastIndexOf('\r', first));
      const indent = newline === -1 ? this.#held : '';
      this.#held = '';
      return this.#body(indent + text.slice(newline + 1));
    }
    return this.#body(text);
  }

  /** The rest of the file when the action closes: a final newline if it closed properly and has content. */
  end(complete: boolean): string {
    this.#held = '';
    return complete && this.#emitted ? '\n' : '';
  }

  #body(text: string): string {
    let end = text.length;
    while (end > 0 && isSpace(text.charCodeAt(end - 1))) end--;
    if (end === 0) {
      this.#held += text;
      return '';
    }
    const out = this.#held + text.slice(0, end);
    this.#held = text.slice(end);
    this.#emitted = true;
    return out;
  }
}

function isSpace(code: number) {
  return code === 32 || code === 9 || code === 10 || code === 13 || code === 11 || code === 12;
}

