// npm run bench:node -- /path/to/node: the throughput rows at upstream latency 0 and the capacity
// run at 2000 streams with every measured process (service, floors, fake) on that Node binary,
// beside the same on this one. Shows what the runtime alone changes (AsyncLocalStorage, GC, undici).
// Writes bench/results/<date>-node-versions.json and .md. The SQLite side is left out: its native
// module is built for this Node's ABI.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { measureCapacity } from './scenarios/capacity';
import { measureThroughput } from './scenarios/throughput';

async function main(): Promise<void> {
  const other = process.argv[2];
  if (!other) throw new Error('usage: npm run bench:node -- /path/to/node');
  const log = (line: string): void => void process.stdout.write(`${line}\n`);
  const runs = [];
  for (const node of [process.execPath, other]) {
    const version = execFileSync(node, ['--version']).toString().trim();
    process.env.BENCH_NODE = node;
    log(`Node ${version}`);
    const throughput = await measureThroughput({ latencies: [0], concurrencies: [1, 16, 64], seconds: 4, rounds: 2 }, log);
    const capacity = await measureCapacity([2000], log);
    runs.push({ version, throughput, capacity });
  }
  const date = new Date().toISOString();
  const rows = runs.flatMap(({ version, throughput, capacity }) => [
    ...throughput.map(
      (row) =>
        `| ${version} | ${row.users}, c=${row.connections} | ${row.service.rps.toFixed(0)} | ${row.durable.rps.toFixed(0)} | ${(row.service.rps / row.durable.rps).toFixed(2)} | ${row.service.p50} / ${row.durable.p50} |`,
    ),
    ...capacity.map(
      (row) =>
        `| ${version} | ${row.streams} streams | added p99 ${row.service.addedP99.toFixed(0)} vs ${row.floor.addedP99.toFixed(0)} ms | RSS ${row.service.peakRssMb.toFixed(0)} vs ${row.floor.peakRssMb.toFixed(0)} MB | ${(row.service.addedP99 / row.floor.addedP99).toFixed(2)} | event loop p99 ${row.service.eventLoopP99.toFixed(1)} ms |`,
    ),
  ]);
  const table = ['| Node | load | service | durable floor | ratio | p50 ms (service / durable) |', '| --- | --- | --- | --- | --- | --- |', ...rows].join('\n');
  const results = join(__dirname, 'results');
  mkdirSync(results, { recursive: true });
  const stamp = `${date.slice(0, 10)}-node-versions`;
  writeFileSync(join(results, `${stamp}.json`), `${JSON.stringify({ date, runs }, null, 2)}\n`);
  writeFileSync(join(results, `${stamp}.md`), `# The same build on two Node versions, ${date}\n\nThroughput in req/s at upstream latency 0.\n\n${table}\n`);
  log(`wrote bench/results/${stamp}.json and .md`);
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
