// npm run bench:chat — 100 concurrent chat streams from the fake model through /api/chat, against
// the same streams read from the fake model directly. Each chunk carries its send time, so the
// latency of every chunk is measured; the difference is what the app adds. Also: the server's
// peak memory (RSS), /api/health latency during the load, and errors.
import os from 'node:os';
import { readFileSync } from 'node:fs';
import { readLines } from '../app/lib/sandbox/sandbox-client';
import { FakeOpenAI } from '../tests/fakes/fake-openai';
import { ApiClient, startApp, TEST_KEY } from '../tests/support/app-server';

const STREAMS = Number(process.env.STREAMS ?? 100);
/** 0: every stream starts in the same millisecond (the worst case); N: arrivals spread over N ms. */
const RAMP_MS = Number(process.env.RAMP_MS ?? 0);
const CHUNKS = Number(process.env.CHUNKS ?? 80);
// About 60 tokens a second per stream.
const PACE = { chunkSize: 16, delayMs: 66 };

const percentile = (values: number[], p: number) => [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.floor((values.length * p) / 100))];

function stamps(text: string, now: number, into: number[]) {
  for (const match of text.matchAll(/@(\d{13})/g)) into.push(now - Number(match[1]));
}

async function direct(fake: FakeOpenAI, latencies: number[]) {
  const response = await fetch(`${fake.url}/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: 'fake/coder', stream: true, messages: [{ role: 'user', content: 'go' }] }) });
  await readLines(response, (line) => {
    if (!line.startsWith('data: {')) return;
    const content = (JSON.parse(line.slice(6)) as { choices: Array<{ delta?: { content?: string } }> }).choices[0]?.delta?.content;
    if (content) stamps(content, Date.now(), latencies);
  });
}

async function throughApp(url: string, latencies: number[]) {
  const response = await new ApiClient(url).request('POST', '/api/chat', { model: 'fake/coder', messages: [{ id: 'u', role: 'user', parts: [{ type: 'text', text: 'go' }] }] });
  let error: string | undefined;
  if (response.status !== 200) return `HTTP ${response.status}`;
  await readLines(response, (line) => {
    if (!line.startsWith('data: {')) return;
    const chunk = JSON.parse(line.slice(6)) as { type: string; delta?: string; errorText?: string };
    if (chunk.type === 'text-delta' && chunk.delta) stamps(chunk.delta, Date.now(), latencies);
    if (chunk.type === 'error') error = chunk.errorText;
  });
  return error;
}

function rssMb(pid: number) {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024;
}

async function main() {
  const fake = new FakeOpenAI();
  const app = await startApp({ OPENROUTER_BASE_URL: await fake.start(), OPENROUTER_API_KEY: TEST_KEY, DEFAULT_MODEL: 'fake/coder', CHAT_RATE_PER_MINUTE_PER_IP: '100000', CHAT_RATE_PER_MINUTE: '100000' });
  fake.script({ stamp: { chunks: CHUNKS }, ...PACE });
  try {
    const baseline: number[] = [];
    await Promise.all(Array.from({ length: STREAMS }, () => direct(fake, baseline)));

    const via: number[] = [];
    const health: number[] = [];
    let peakRss = rssMb(app.pid);
    const idleRss = peakRss;
    let running = true;
    const monitor = (async () => {
      while (running) {
        const started = performance.now();
        await (await fetch(`${app.url}/api/health`)).text();
        health.push(performance.now() - started);
        peakRss = Math.max(peakRss, rssMb(app.pid));
        await new Promise((r) => setTimeout(r, 50));
      }
    })();
    const arrivals = Array.from({ length: STREAMS }, async (_, i) => {
      await new Promise((r) => setTimeout(r, (RAMP_MS * i) / STREAMS));
      return throughApp(app.url, via);
    });
    const errors = (await Promise.all(arrivals)).filter(Boolean);
    running = false;
    await monitor;

    console.log(`bench:chat — ${STREAMS} concurrent streams × ${CHUNKS} chunks at ~60 tokens/s, ${RAMP_MS ? `arriving over ${RAMP_MS} ms` : 'all starting at once'}; ${os.cpus().length} cores, Node ${process.version}`);
    console.log(`fake model alone: chunk latency p50 ${percentile(baseline, 50)} ms, p99 ${percentile(baseline, 99)} ms (${baseline.length} chunks)`);
    console.log(`through /api/chat: chunk latency p50 ${percentile(via, 50)} ms, p99 ${percentile(via, 99)} ms (${via.length} chunks)`);
    console.log(`added by the app: p50 ${percentile(via, 50) - percentile(baseline, 50)} ms, p99 ${percentile(via, 99) - percentile(baseline, 99)} ms`);
    if (process.env.VERBOSE) console.log('health series', health.map((h) => h.toFixed(0)).join(' '));
    console.log(`/api/health during the load: p50 ${percentile(health, 50).toFixed(0)} ms, p99 ${percentile(health, 99).toFixed(0)} ms (${health.length} requests)`);
    console.log(`server RSS: ${idleRss.toFixed(0)} MiB idle, ${peakRss.toFixed(0)} MiB peak; errors: ${errors.length}${errors.length ? ` (${errors[0]})` : ''}`);
  } finally {
    await app.stop();
    await fake.stop();
  }
}

await main();
