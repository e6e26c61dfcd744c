import { drive, type LoadResult, type UserKind, warmUp } from '../lib/load';
import { type Running, startFake, startFloor, startService } from '../lib/processes';

export interface ThroughputRow {
  latencyMs: number;
  users: UserKind;
  connections: number;
  service: LoadResult;
  /** The bare floor: the upstream calls and nothing else. */
  floor: LoadResult;
  /** The durable floor: the same, plus an fdatasync'd, group-committed append of each exchange. */
  durable: LoadResult;
}

type Side = 'service' | 'floor' | 'durable';

export interface ThroughputOptions {
  latencies: number[];
  concurrencies: number[];
  seconds: number;
  /** Runs per side; sides alternate (service, floor, service, floor, ...). */
  rounds: number;
  /** More environment for the service, such as DATABASE_URL (default: the JSON files in its working directory). */
  serviceEnv?: Record<string, string>;
}

/** Service against both floors for every latency × user kind × concurrency, all sides in the same fresh conditions. */
export async function measureThroughput(options: ThroughputOptions, log: (line: string) => void): Promise<ThroughputRow[]> {
  const rows: ThroughputRow[] = [];
  for (const latencyMs of options.latencies) {
    const fake = await startFake(latencyMs);
    try {
      for (const users of ['returning', 'new'] as const) {
        for (const connections of options.concurrencies) {
          const row = await compare(fake.address, latencyMs, users, connections, options);
          log(
            `latency ${latencyMs} ms, ${users} users, c=${connections}: service ${row.service.rps.toFixed(0)} rps p50 ${row.service.p50} ms | ` +
              `floor ${row.floor.rps.toFixed(0)} rps p50 ${row.floor.p50} ms | durable floor ${row.durable.rps.toFixed(0)} rps p50 ${row.durable.p50} ms`,
          );
          rows.push(row);
        }
      }
    } finally {
      await fake.stop();
    }
  }
  return rows;
}

async function compare(baseURL: string, latencyMs: number, users: UserKind, connections: number, options: ThroughputOptions): Promise<ThroughputRow> {
  // JSON logs, as in production: a terminal's pretty format is not what a deployment pays for.
  const targets: Record<Side, Running> = {
    service: await startService(baseURL, { LOG_FORMAT: 'json', ...options.serviceEnv }),
    floor: await startFloor(baseURL, 'memory'),
    durable: await startFloor(baseURL, 'durable'),
  };
  const sides = Object.keys(targets) as Side[];
  try {
    const prefix = `${users}-c${connections}`;
    if (users === 'returning') await Promise.all(sides.map((side) => warmUp(targets[side].address, prefix)));
    const results: Record<Side, LoadResult[]> = { service: [], floor: [], durable: [] };
    for (let round = 0; round < options.rounds; round++) {
      // Returning users reuse the warmed pool; new users get ids no earlier round used.
      const userPrefix = users === 'returning' ? prefix : `${prefix}-r${round}`;
      for (const side of sides) results[side].push(await drive(targets[side].address, connections, options.seconds, users, userPrefix));
    }
    return { latencyMs, users, connections, service: mean(results.service), floor: mean(results.floor), durable: mean(results.durable) };
  } finally {
    await Promise.all(sides.map((side) => targets[side].stop()));
  }
}

function mean(results: LoadResult[]): LoadResult {
  const avg = (pick: (r: LoadResult) => number): number => results.reduce((sum, r) => sum + pick(r), 0) / results.length;
  return {
    rps: avg((r) => r.rps),
    p50: avg((r) => r.p50),
    p99: avg((r) => r.p99),
    requests: results.reduce((sum, r) => sum + r.requests, 0),
    errors: results.reduce((sum, r) => sum + r.errors, 0),
  };
}
