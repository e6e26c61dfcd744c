import type { LoadResult } from '../lib/load';
import type { LockCost, ScalingRow } from '../scenarios/replicas';
import type { Machine } from '../lib/machine';

export interface ReplicasBenchResults {
  date: string;
  quick: boolean;
  durationSeconds: number;
  machine: Machine;
  postgres: string;
  upstreamLatencyMs: number;
  seconds: number;
  scaling: ScalingRow[];
  lock: LockCost;
}

const ms = (value: number): string => value.toFixed(value < 10 ? 2 : 0);

export function replicasMarkdown(results: ReplicasBenchResults): string {
  const { machine, lock } = results;
  const counts = [...new Set(results.scaling.map((row) => row.replicas))];
  const concurrencies = [...new Set(results.scaling.map((row) => row.connections))];
  const cell = (replicas: number, connections: number, pick: (load: LoadResult, row: ScalingRow) => string): string => {
    const row = results.scaling.find((r) => r.replicas === replicas && r.connections === connections);
    return row === undefined ? '' : pick(row.load, row);
  };
  const table = (title: string, pick: (load: LoadResult, row: ScalingRow) => string): string[] => [
    `### ${title}`,
    '',
    `| concurrency | ${counts.map((n) => `${n} replica${n > 1 ? 's' : ''}`).join(' | ')} |`,
    `| --- | ${counts.map(() => '---').join(' | ')} |`,
    ...concurrencies.map((c) => `| ${c} | ${counts.map((n) => cell(n, c, pick)).join(' | ')} |`),
    '',
  ];
  return [
    `${machine.cpu}, ${machine.cores} cores, ${machine.memoryGb} GB, Node ${machine.node}; PostgreSQL: ${results.postgres}; ` +
      `upstream latency ${results.upstreamLatencyMs} ms; ${results.seconds} s per point; took ${results.durationSeconds} s${results.quick ? ' (quick run)' : ''}.`,
    '',
    '## Through HAProxy, returning users',
    '',
    ...table('Requests per second', (load) => load.rps.toFixed(0)),
    ...table('p50 / p99 latency (ms)', (load) => `${load.p50} / ${load.p99}`),
    ...table('Errors (non-2xx, timeouts); replicas taken out by the health check; 5xx made by HAProxy itself', (load, row) =>
      `${load.errors}; ${row.replicasTakenOut}; ${row.balancer503}`,
    ),
    '## The Redis turn lock per turn',
    '',
    `- acquire + release, uncontended, timed directly (${lock.direct.n} turns): p50 ${ms(lock.direct.p50)} ms, p99 ${ms(lock.direct.p99)} ms, max ${ms(lock.direct.max)} ms`,
    `- one service, concurrency 1, 0 ms upstream: p50 ${lock.withoutRedis.p50} ms / p99 ${lock.withoutRedis.p99} ms without REDIS_URL ` +
      `(${lock.withoutRedis.rps.toFixed(0)} rps), p50 ${lock.withRedis.p50} ms / p99 ${lock.withRedis.p99} ms with it (${lock.withRedis.rps.toFixed(0)} rps)`,
    `- mean time per turn from those rates (one turn at a time): ${ms(1000 / lock.withoutRedis.rps)} ms without, ${ms(1000 / lock.withRedis.rps)} ms with: ` +
      `${ms(1000 / lock.withRedis.rps - 1000 / lock.withoutRedis.rps)} ms per turn for Redis (the lock's two round trips and the rate limit's one)`,
    '',
  ].join('\n');
}
