import { describe, expect, it } from 'vitest';
import { answerMetadata, formatUsage, totalUsage } from '../llm/models';
import { AutoFix } from './auto-fix';
import { FIX_FILES_BUDGET, fixRequest } from './fix-request';
import { exitProblem, outputTail, problemSignature, whereFrom, type Problem, type ProblemReport } from './problem';
import { ProblemsStore } from './problems-store';
import { problemFromPreview, PREVIEW_REPORT } from './preview-problem';
import { reporterScript } from './preview-reporter';

const problem = (report: ProblemReport, count = 1): Problem => ({ ...report, signature: problemSignature(report), count, at: 0 });

describe('problem signatures', () => {
  it('are the same for the same failure whatever the line, port, time or hash, and differ by file, kind and message', () => {
    const a = problemSignature({ kind: 'build', message: 'Failed to resolve import "./Missing" from "src/App.jsx" (http://tok.localhost:5173/src/App.jsx?t=1795436697191)', where: 'src/App.jsx:2' });
    const b = problemSignature({ kind: 'build', message: 'Failed to resolve import "./Missing" from "src/App.jsx" (http://other.localhost:4000/src/App.jsx?t=1)', where: 'src/App.jsx:7' });
    expect(a).toBe(b);
    expect(problemSignature({ kind: 'runtime', message: 'x is not defined at 3:14 (pid 4242, build 9f8e7d6c5b)' })).toBe(problemSignature({ kind: 'runtime', message: 'x is not defined at 9:1 (pid 17, build 0a1b2c3d4e)' }));
    expect(problemSignature({ kind: 'build', message: 'boom', where: 'src/a.js:1' })).not.toBe(problemSignature({ kind: 'build', message: 'boom', where: 'src/b.js:1' }));
    expect(problemSignature({ kind: 'build', message: 'boom' })).not.toBe(problemSignature({ kind: 'runtime', message: 'boom' }));
    expect(problemSignature({ kind: 'runtime', message: 'x is not defined' })).not.toBe(problemSignature({ kind: 'runtime', message: 'y is not defined' }));
  });

  it('find the project file a stack or compiler message names, without node_modules or sandbox paths', () => {
    expect(whereFrom('Error: Cannot find module \'./greeting\'\n    at Module._resolveFilename (node:internal/modules/cjs/loader:1145:15)\n    at Object.<anonymous> (/home/sandbox/project/server.js:1:18)')).toBe('server.js:1');
    expect(whereFrom('at f (/app/node_modules/react/index.js:3:1)\n at g (src/App.jsx:12:5)')).toBe('src/App.jsx:12');
    expect(whereFrom('http://tok.localhost:5173/src/main.tsx:4:9')).toBe('src/main.tsx:4');
    expect(whereFrom('Error in \x1b[39mserver.js:1\x1b[0m')).toBe('server.js:1');
    expect(whereFrom('no file here')).toBeUndefined();
  });

  it('keep the end of the output, without colours', () => {
    const lines = Array.from({ length: 100 }, (_, i) => `\x1b[31mline ${i}\x1b[0m`).join('\n');
    const tail = outputTail(lines);
    expect(tail.split('\n')).toHaveLength(40);
    expect(tail).toMatch(/^line 60\n/);
    expect(tail).not.toContain('\x1b');
  });
});

describe('command exits', () => {
  it('say that exit 137 most likely means out of memory, and which setting gives sandboxes more, in either provider', () => {
    const killed = exitProblem('command', 'npm install', 137, 'added 12 packages\nKilled\n');
    expect(killed.message).toMatch(/^`npm install` was killed \(exit code 137\), most likely for running out of memory/);
    expect(killed.message).toContain('DAYTONA_MEMORY_GB');
    expect(killed.message).toContain('SANDBOX_MEMORY_MB');
    expect(killed.output).toBe('added 12 packages\nKilled');
    // Other exits keep their plain sentence.
    expect(exitProblem('start', 'node server.js', 1, 'Error: boom').message).toBe('`node server.js` exited with code 1');
  });
});

describe('ProblemsStore', () => {
  it('keeps one entry per signature with a count, and hides a dismissed signature for good', () => {
    const store = new ProblemsStore();
    store.report({ kind: 'runtime', origin: 'page', message: 'boom at 1:1' });
    store.report({ kind: 'runtime', origin: 'page', message: 'boom at 2:7' });
    store.report({ kind: 'start', origin: 'runtime', message: '`node server.js` exited with code 1' });
    expect(store.active.get().map((p) => [p.kind, p.count])).toEqual([['runtime', 2], ['start', 1]]);
    store.dismiss(store.active.get()[0].signature);
    expect(store.report({ kind: 'runtime', origin: 'page', message: 'boom at 9:9' })).toBeNull();
    expect(store.active.get().map((p) => p.kind)).toEqual(['start']);
  });
});

describe('auto-fix stop rules', () => {
  it('fixes a problem at most N times, then stops at once and says why; a reset gives a fresh budget', () => {
    const auto = new AutoFix({ maxAttempts: 2 });
    const crash = problem({ kind: 'start', origin: 'runtime', message: '`node server.js` exited with code 1' });
    const other = problem({ kind: 'runtime', origin: 'page', message: 'x is not defined' });
    expect(auto.decide([])).toEqual({ wait: true });
    expect(auto.decide([crash])).toEqual({ fix: [crash] });
    expect(auto.decide([crash, other])).toEqual({ fix: [crash, other] });
    const stop = auto.decide([other, crash]);
    expect(stop).toEqual({ stop: expect.stringMatching(/^Auto-fix stopped: the same problem came back after 2 fixes \(“`node server.js` exited with code 1”\)/) });
    // Stopped means stopped, for every problem, until the user turns it on again.
    expect(auto.decide([problem({ kind: 'build', origin: 'page', message: 'new' })])).toEqual({ wait: true });
    auto.reset();
    expect(auto.decide([crash])).toEqual({ fix: [crash] });
  });
});

describe('the token budget', () => {
  it('stops auto-fix once the chat has used its budget, and says so', () => {
    const auto = new AutoFix({ maxAttempts: 2 });
    const crash = problem({ kind: 'start', origin: 'runtime', message: 'crash' });
    expect(auto.decide([crash], { used: 299_999, budget: 300_000 })).toEqual({ fix: [crash] });
    expect(auto.decide([crash], { used: 300_000, budget: 300_000 })).toEqual({ stop: 'Auto-fix stopped: this chat has used 300,000 tokens, its budget is 300,000. Fix it by hand, or raise AUTO_FIX_TOKEN_BUDGET on the server.' });
  });

  it('counts tokens and cost over the answers that carry usage; no price, no cost', () => {
    const price = (model: string) => (model === 'priced' ? { input: 3, output: 15 } : undefined);
    const answers = [answerMetadata({ usage: { inputTokens: 1000, outputTokens: 200 }, model: 'priced' }), answerMetadata(undefined), answerMetadata({ usage: { inputTokens: 'x' } }), answerMetadata({ usage: { inputTokens: 500, outputTokens: 100 }, model: 'priced' })];
    const total = totalUsage(answers, price);
    expect(total).toMatchObject({ inputTokens: 1500, outputTokens: 300 });
    expect(total.cost).toBeCloseTo(0.009, 12);
    expect(formatUsage(total, total.cost)).toBe('1,500 in · 300 out · $0.0090');
    expect(totalUsage([...answers, answerMetadata({ usage: { inputTokens: 1, outputTokens: 1 }, model: 'free?' })], price).cost).toBeUndefined();
  });
});

describe('the fix request', () => {
  const files = { 'server.js': "const greeting = require('./greeting');\n", 'src/App.jsx': 'export default 1;\n', 'README.md': 'hello' };

  it('carries the problems, the files they name and what changed since the app last worked, not the whole project', () => {
    const crash = problem({ kind: 'start', origin: 'runtime', message: '`node server.js` exited with code 1', where: 'server.js:1', output: "Error: Cannot find module './greeting'\n    at /home/sandbox/project/server.js:1:18" });
    const text = fixRequest({ problems: [crash], files, lastGood: { ...files, 'server.js': 'old' } });
    expect(text).toContain('Problem 1: the app’s server stopped (server.js:1):\n`node server.js` exited with code 1');
    expect(text).toContain("Cannot find module './greeting'");
    expect(text).toContain("server.js:\n```\nconst greeting = require('./greeting');\n\n```");
    expect(text).not.toContain('README.md:\n');
    expect(text).toContain('Changed since the app last ran without problems: server.js.');
    expect(fixRequest({ problems: [crash], files, lastGood: null })).toContain('The project has not run without problems yet.');
  });

  it('leaves out files over the budget and says so', () => {
    const big = { 'server.js': 'x'.repeat(FIX_FILES_BUDGET + 1) };
    const text = fixRequest({ problems: [problem({ kind: 'start', origin: 'runtime', message: 'crash', where: 'server.js:1' })], files: big, lastGood: null });
    expect(text.length).toBeLessThan(2000);
    expect(text).toContain('Left out for size: server.js.');
  });
});

describe('the preview reporter', () => {
  const frame = {};
  const message = { type: PREVIEW_REPORT, problem: { kind: 'runtime', message: 'boom', where: 'http://tok.localhost:5173/src/App.jsx:3', output: 'Error: boom' } };

  it('is accepted only from the preview frame, at the preview origin, in its shape', () => {
    const preview = { origin: 'http://tok.localhost:5173', window: frame };
    expect(problemFromPreview({ origin: 'http://tok.localhost:5173', source: frame, data: message }, preview)).toEqual({ kind: 'runtime', origin: 'page', message: 'boom', where: 'src/App.jsx:3', output: 'Error: boom' });
    expect(problemFromPreview({ origin: 'http://evil.example', source: frame, data: message }, preview)).toBeNull();
    expect(problemFromPreview({ origin: 'http://tok.localhost:5173', source: {}, data: message }, preview)).toBeNull();
    expect(problemFromPreview({ origin: 'http://tok.localhost:5173', source: frame, data: { ...message, type: 'other' } }, preview)).toBeNull();
    expect(problemFromPreview({ origin: 'http://tok.localhost:5173', source: frame, data: { ...message, problem: { kind: 'command', message: 'x' } } }, preview)).toBeNull();
    expect(problemFromPreview({ origin: 'http://tok.localhost:5173', source: frame, data: message }, { ...preview, window: null })).toBeNull();
  });

  it('is a script that posts only to the app host it was given, and cannot be broken out of', () => {
    const script = reporterScript({ appHost: 'localhost:5173</script><script>alert(1)', status: 500 });
    expect(script.match(/<\/script>/g)).toHaveLength(1);
    expect(script).toContain('localhost:5173\\u003c/script>');
    expect(() => new Function(script.replace(/^<script>|<\/script>$/g, ''))).not.toThrow();
  });
});
