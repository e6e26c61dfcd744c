// npm run bench: builds the service, measures it against the floor and the naive design,
// writes bench/results/<date>.json and .md, the throughput chart, and BENCHMARKS.md's results.
// BENCH_QUICK=1 runs every scenario briefly (a smoke test of the bench itself). BENCH_SERVICE_MAIN=path/to/dist/main.js
// with BENCH_LABEL=name measures another build (a before/after) into bench/results/<date>-<name>.*, leaving BENCHMARKS.md alone.
import { measureAssistantsLatency } from './scenarios/assistants-latency';
import { measureCapacity } from './scenarios/capacity';
import { measureLogGrowth } from './scenarios/log-growth';
import { measureMemory } from './scenarios/memory';
import { measureStreaming } from './scenarios/streaming';
import { measureThroughput } from './scenarios/throughput';
import { type BenchResults, writeResults } from './report/write-results';
import { thisMachine } from './lib/machine';

const quick = process.env.BENCH_QUICK === '1';

async function main(): Promise<void> {
  const log = (line: string): void => void process.stdout.write(`${line}\n`);
  const started = Date.now();
  const machine = thisMachine();
  log(`machine: ${machine.cores} × ${machine.cpu}, ${machine.memoryGb} GB, Node ${machine.node}${quick ? ' (quick run)' : ''}`);

  log('throughput and latency: service vs the in-memory and the durable floor');
  const throughput = await measureThroughput(
    { latencies: [0, 200], concurrencies: [1, 16, 64], seconds: quick ? 1 : 4, rounds: quick ? 1 : 2, withSqlite: true },
    log,
  );
  // 10,000 streams is a probe of what breaks first; 2000 carries the targets.
  log('capacity: concurrent streams of new users against a slow upstream');
  const capacity = await measureCapacity(quick ? [200] : [2000, 10000], log);
  log('threads-and-runs latency (300 ms runs)');
  const assistants = await measureAssistantsLatency(300, quick ? 3 : 10, quick ? 1 : 3);
  log(`  service p50 ${assistants.service.p50.toFixed(1)} ms, naive createAndPoll p50 ${assistants.naive.p50.toFixed(1)} ms`);
  log('streaming: first delta at the client vs first delta sent upstream');
  const streaming = await measureStreaming(quick ? 5 : 30);
  log(`  gap p50 ${streaming.firstDeltaGap.p50.toFixed(2)} ms, p99 ${streaming.firstDeltaGap.p99.toFixed(2)} ms`);
  log('log growth');
  const logGrowth = await measureLogGrowth(quick ? [1000, 10000] : [1000, 10000, 100000], quick ? 5 : 30, 10000, quick ? 500 : 2000);
  for (const row of logGrowth.rows) log(`  ${row.exchanges} exchanges (${row.fileMb.toFixed(1)} MB): append p50 ${row.append.p50.toFixed(2)} ms`);
  log('memory');
  const memory = await measureMemory(quick ? 1000 : 10000);
  log(`  service idle ${memory.service.idleMb.toFixed(0)} MB, after ${memory.users} users ${memory.service.afterUsersMb.toFixed(0)} MB`);

  const results: BenchResults = {
    date: new Date().toISOString(),
    quick,
    durationSeconds: Math.round((Date.now() - started) / 1000),
    machine,
    throughput,
    capacity,
    assistants,
    streaming,
    logGrowth,
    memory,
  };
  const written = writeResults(results, process.env.BENCH_LABEL);
  log(`wrote ${written.join(', ')} in ${results.durationSeconds} s`);
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
