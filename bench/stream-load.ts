// A load generator of its own process for the capacity scenario: opens STREAMS concurrent
// POST /api/chat/stream requests of new users against TARGET at once, reads each stream to its
// `done` event, and prints one JSON line: per-stream durations and the failures.
import { Agent, request } from 'node:http';

const target = new URL(process.env.TARGET ?? 'http://127.0.0.1:5000');
const streams = Number(process.env.STREAMS ?? 2000);
const prefix = process.env.PREFIX ?? 'cap';
/** A message the fake answers in 12 words: "Echo 1:" and these ten. */
const MESSAGE = 'how many words does a capacity test answer take today';
const agent = new Agent({ keepAlive: false, maxSockets: Infinity });

function one(n: number): Promise<{ ms: number } | { error: string }> {
  const body = JSON.stringify({ user_id: `${prefix}-${n}`, message: MESSAGE });
  const started = performance.now();
  return new Promise((resolve) => {
    const req = request(
      { host: target.hostname, port: target.port, path: '/api/chat/stream', method: 'POST', agent, headers: { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) } },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () => resolve(res.statusCode === 200 && text.includes('event: done') ? { ms: performance.now() - started } : { error: `status ${res.statusCode}: ${text.slice(0, 120)}` }));
        res.on('error', (error) => resolve({ error: error.message }));
      },
    );
    req.on('error', (error) => resolve({ error: error.message }));
    req.end(body);
  });
}

async function main(): Promise<void> {
  const results = await Promise.all(Array.from({ length: streams }, (_, n) => one(n)));
  const durations = results.flatMap((result) => ('ms' in result ? [result.ms] : []));
  const errors = results.flatMap((result) => ('error' in result ? [result.error] : []));
  process.stdout.write(`${JSON.stringify({ durations, errors: errors.length, firstErrors: [...new Set(errors)].slice(0, 5) })}\n`);
}

void main();
