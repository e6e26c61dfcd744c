import { performance } from 'node:perf_hooks';
import { RedisConnection } from '../../src/redis/redis.connection';
import { RedisTurnLock } from '../../src/turns/adapters/redis-turn.lock';
import { HaproxyServer } from '../../test/support/servers/haproxy.server';
import { drive, type LoadResult, warmUp } from '../lib/load';
import { type Running, startService } from '../lib/processes';
import { type Summary, summarize } from '../lib/stats';

export interface ScalingRow {
  replicas: number;
  connections: number;
  load: LoadResult;
  /** Times HAProxy took a replica out during this point: its health check (/api/health/live, 1 s timeout) failed twice. */
  replicasTakenOut: number;
  /** Responses HAProxy made itself for want of a replica that was up (503). */
  balancer503: number;
}

export interface LockCost {
  /** acquire + release of an uncontended lease, timed in this process against the bench's redis-server. */
  direct: Summary;
  /** The same service at concurrency 1 against a 0 ms upstream, without and with REDIS_URL. */
  withoutRedis: LoadResult;
  withRedis: LoadResult;
}

export interface ReplicaEnv {
  upstream: string;
  redisUrl: string;
  /** A new, empty PostgreSQL database per call. */
  newDatabaseUrl: (name: string) => Promise<string>;
}

/** N replicas of the built service on one database and one Redis, HAProxy in front; the service's JSON logs, as in production. */
interface ReplicaSet {
  url: string;
  /** Sum over the backend's servers of `chkdown` (UP to DOWN transitions), and the 5xx HAProxy made itself. */
  balancerStats(): Promise<{ down: number; own503: number }>;
  stop(): Promise<void>;
}

async function startReplicas(count: number, env: ReplicaEnv, databaseUrl: string, redis = true): Promise<ReplicaSet> {
  const serviceEnv = { LOG_FORMAT: 'json', DATABASE_URL: databaseUrl, ...(redis ? { REDIS_URL: env.redisUrl } : {}) };
  // One at a time: the first migrates the schema.
  const replicas: Running[] = [];
  for (let i = 0; i < count; i++) replicas.push(await startService(env.upstream, serviceEnv));
  const backends = replicas.map((replica) => ({ host: '127.0.0.1', port: Number(new URL(replica.address).port) }));
  const balancer = await HaproxyServer.start({ backends, healthPath: '/api/health/live' });
  // Let HAProxy's first health checks (every 500 ms) mark every replica up.
  await new Promise((resolve) => setTimeout(resolve, 1500));
  return {
    url: balancer.url,
    balancerStats: async () => {
      const rows = (await balancer.adminCommand('show stat')).split('\n');
      const header = rows[0].replace(/^# /, '').split(',');
      const column = (name: string) => header.indexOf(name);
      let down = 0;
      let frontend5xx = 0;
      let servers5xx = 0;
      for (const cells of rows.slice(1).map((row) => row.split(','))) {
        const [proxy, server] = [cells[column('pxname')], cells[column('svname')]];
        const fivexx = Number(cells[column('hrsp_5xx')] || 0);
        if (proxy === 'web' && server === 'FRONTEND') frontend5xx += fivexx;
        if (proxy === 'app' && /^app\d+$/.test(server)) {
          down += Number(cells[column('chkdown')] || 0);
          servers5xx += fivexx;
        }
      }
      // What the frontend answered 5xx that no replica did: HAProxy's own (no replica up: 503).
      const own503 = frontend5xx - servers5xx;
      return { down, own503 };
    },
    stop: async () => {
      await balancer.stop();
      await Promise.all(replicas.map((replica) => replica.stop()));
    },
  };
}

/** Throughput and latency through HAProxy for each replica count and concurrency (returning users, one database per count). */
export async function measureScaling(
  env: ReplicaEnv,
  counts: number[],
  concurrencies: number[],
  seconds: number,
  log: (line: string) => void,
): Promise<ScalingRow[]> {
  const rows: ScalingRow[] = [];
  for (const count of counts) {
    const set = await startReplicas(count, env, await env.newDatabaseUrl(`replicas_${count}`));
    try {
      await warmUp(set.url, `r${count}`);
      for (const connections of concurrencies) {
        const before = await set.balancerStats();
        const load = await drive(set.url, connections, seconds, 'returning', `r${count}`);
        const after = await set.balancerStats();
        const row = { replicas: count, connections, load, replicasTakenOut: after.down - before.down, balancer503: after.own503 - before.own503 };
        log(
          `${count} replica(s), c=${connections}: ${load.rps.toFixed(0)} rps, p50 ${load.p50} ms, p99 ${load.p99} ms, errors ${load.errors}` +
            ` (replicas taken out ${row.replicasTakenOut}, balancer's own 503s ${row.balancer503})`,
        );
        rows.push(row);
        // A replica taken out comes back after one good check (every 500 ms); do not start the next point without it.
        await new Promise((resolve) => setTimeout(resolve, 2000));
      }
    } finally {
      await set.stop();
    }
  }
  return rows;
}

/** What the Redis turn lock adds to a turn: timed directly, and as the difference one service shows at concurrency 1. */
export async function measureLockCost(env: ReplicaEnv & { zeroLatencyUpstream: string }, iterations: number, seconds: number): Promise<LockCost> {
  const connection = new RedisConnection({ mode: 'redis', url: env.redisUrl, target: 'bench', turnLockTtlMs: 30000 });
  const lock = new RedisTurnLock(connection, 30000);
  const samples: number[] = [];
  try {
    await connection.commands.ping();
    for (let i = 0; i < iterations; i++) {
      const started = performance.now();
      const lease = await lock.acquire({ namespace: '', userId: `lock-bench-${i % 64}` });
      lease.release();
      // release() does not wait for Redis; a PING behind it on the same connection does.
      await connection.commands.ping();
      samples.push(performance.now() - started);
    }
  } finally {
    lock.onModuleDestroy();
    await connection.close();
  }
  const one = async (redis: boolean): Promise<LoadResult> => {
    const set = await startService(env.zeroLatencyUpstream, {
      LOG_FORMAT: 'json',
      DATABASE_URL: await env.newDatabaseUrl(`lock_${redis ? 'redis' : 'local'}`),
      ...(redis ? { REDIS_URL: env.redisUrl } : {}),
    });
    try {
      await warmUp(set.address, 'lock');
      return await drive(set.address, 1, seconds, 'returning', 'lock');
    } finally {
      await set.stop();
    }
  };
  const withoutRedis = await one(false);
  const withRedis = await one(true);
  return { direct: summarize(samples), withoutRedis, withRedis };
}
