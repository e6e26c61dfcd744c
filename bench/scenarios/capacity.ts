import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { type Running, startFake, startFloor, startService } from '../lib/processes';
import { summarize } from '../lib/stats';

/** The upstream's own time for one new user's streamed turn: a conversation, a first token, the stream. */
export const UPSTREAM = { conversationMs: 3000, responseMs: 3000, streamMs: 400 };
const UPSTREAM_MS = UPSTREAM.conversationMs + UPSTREAM.responseMs + UPSTREAM.streamMs;

export interface CapacitySide {
  streams: number;
  failures: number;
  firstFailures: string[];
  /** Milliseconds over the upstream's own time, per stream. */
  addedP50: number;
  addedP99: number;
  peakRssMb: number;
  /** Event-loop delay of the target during the run, ms. */
  eventLoopP99: number;
  eventLoopMax: number;
}

export interface CapacityRow {
  streams: number;
  service: CapacitySide;
  floor: CapacitySide;
}

/** N concurrent streaming turns of new users held open by a slow upstream, against the service and the durable floor in turn. */
export async function measureCapacity(counts: number[], log: (line: string) => void): Promise<CapacityRow[]> {
  const rows: CapacityRow[] = [];
  const fake = await startFake(0, 0, UPSTREAM);
  try {
    for (const streams of counts) {
      const service = await drive('service', streams, fake.address);
      const floor = await drive('floor', streams, fake.address);
      for (const [name, side] of [['service', service], ['floor', floor]] as const) {
        log(
          `${streams} streams, ${name}: ${side.failures} failed, added p50 ${side.addedP50.toFixed(0)} ms p99 ${side.addedP99.toFixed(0)} ms, ` +
            `peak RSS ${side.peakRssMb.toFixed(0)} MB, event loop p99 ${side.eventLoopP99.toFixed(1)} ms`,
        );
      }
      rows.push({ streams, service, floor });
    }
  } finally {
    await fake.stop();
  }
  return rows;
}

async function drive(kind: 'service' | 'floor', streams: number, upstream: string): Promise<CapacitySide> {
  const target =
    kind === 'service'
      ? await startService(upstream, { LOG_FORMAT: 'json', OPENAI_TIMEOUT_MS: '60000', CONVERSATION_LOG_PATH: 'conversations.json', THREAD_STORE_PATH: 'threads.json' })
      : await startFloor(upstream, 'durable');
  try {
    await eventLoopDelay(kind, target);
    let peakRssMb = target.rssMb();
    const sampler = setInterval(() => (peakRssMb = Math.max(peakRssMb, safeRss(target))), 100);
    const load = await runLoad(target.address, streams, `${kind}-${streams}`);
    clearInterval(sampler);
    const delay = await eventLoopDelay(kind, target);
    const added = summarize(load.durations.map((ms) => ms - UPSTREAM_MS));
    return {
      streams,
      failures: load.errors,
      firstFailures: load.firstErrors,
      addedP50: added.p50,
      addedP99: added.p99,
      peakRssMb,
      eventLoopP99: delay.p99,
      eventLoopMax: delay.max,
    };
  } finally {
    await target.stop();
  }
}

function safeRss(target: Running): number {
  try {
    return target.rssMb();
  } catch {
    return 0;
  }
}

function runLoad(url: string, streams: number, prefix: string): Promise<{ durations: number[]; errors: number; firstErrors: string[] }> {
  const child = spawn(process.execPath, ['-r', require.resolve('ts-node/register/transpile-only'), join(__dirname, '..', 'stream-load.ts')], {
    env: { ...process.env, TARGET: url, STREAMS: String(streams), PREFIX: prefix },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => {
      try {
        resolve(JSON.parse(output) as { durations: number[]; errors: number; firstErrors: string[] });
      } catch {
        reject(new Error(`the stream load generator exited with ${code}: ${output.slice(0, 500)}`));
      }
    });
  });
}

/**
 * The target's event-loop delay since the last call (the first call resets it): the
 * service's own Prometheus gauges (prom-client resets its histogram on each scrape), the
 * floor's /eld.
 */
async function eventLoopDelay(kind: 'service' | 'floor', target: Running): Promise<{ p99: number; max: number }> {
  if (kind === 'floor') return (await (await fetch(`${target.address}/eld`)).json()) as { p99: number; max: number };
  const text = await (await fetch(`${target.address}/api/metrics`)).text();
  const gauge = (name: string): number => Number(new RegExp(`^${name} ([0-9.e+-]+)`, 'm').exec(text)?.[1] ?? Number.NaN) * 1000;
  return { p99: gauge('nodejs_eventloop_lag_p99_seconds'), max: gauge('nodejs_eventloop_lag_max_seconds') };
}
