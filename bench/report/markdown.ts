import type { BenchResults } from './write-results';

const f = (value: number, digits = 1): string => (Number.isFinite(value) ? value.toFixed(digits) : 'n/a');

/** The results as Markdown tables, targets first. */
export function resultsMarkdown(r: BenchResults): string {
  return [
    `Run ${r.date} on ${r.machine.cores} × ${r.machine.cpu}, ${r.machine.memoryGb} GB, Node ${r.machine.node}; ${r.durationSeconds} s in all.`,
    '',
    targets(r),
    '### Throughput and latency: service vs floor',
    '',
    'Mean of the alternating runs; latencies in ms. Ratio = service / floor requests per second.',
    '',
    '| upstream latency | users | concurrency | service req/s | floor req/s | ratio | service p50 | floor p50 | added p50 | service p99 | floor p99 | errors (service/floor) |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
    ...r.throughput.map(
      (row) =>
        `| ${row.latencyMs} ms | ${row.users} | ${row.connections} | ${f(row.service.rps, 0)} | ${f(row.floor.rps, 0)} | ${f(row.service.rps / row.floor.rps, 2)} | ` +
        `${f(row.service.p50)} | ${f(row.floor.p50)} | ${f(row.service.p50 - row.floor.p50)} | ${f(row.service.p99)} | ${f(row.floor.p99)} | ${row.service.errors}/${row.floor.errors} |`,
    ),
    '',
    '![Throughput against concurrency, upstream latency 0](bench/results/throughput.svg)',
    '',
    `### Threads and runs (runs of ${r.assistants.runMs} ms upstream)`,
    '',
    '| design | n | p50 ms | max ms | p50 minus run time |',
    '| --- | --- | --- | --- | --- |',
    `| service (streamed run) | ${r.assistants.service.n} | ${f(r.assistants.service.p50)} | ${f(r.assistants.service.max)} | ${f(r.assistants.service.p50 - r.assistants.runMs)} |`,
    `| naive \`createAndPoll\`, default polling | ${r.assistants.naive.n} | ${f(r.assistants.naive.p50)} | ${f(r.assistants.naive.max)} | ${f(r.assistants.naive.p50 - r.assistants.runMs)} |`,
    '',
    '### Streaming',
    '',
    `First \`delta\` at the client minus the moment the fake sent its first upstream delta (n = ${r.streaming.firstDeltaGap.n}): ` +
      `p50 ${f(r.streaming.firstDeltaGap.p50, 2)} ms, p99 ${f(r.streaming.firstDeltaGap.p99, 2)} ms, max ${f(r.streaming.firstDeltaGap.max, 2)} ms.`,
    '',
    '### Conversation log growth (JSON file store)',
    '',
    '| exchanges in the log | file MB | append p50 ms | append p99 ms | p50 vs 1 000 |',
    '| --- | --- | --- | --- | --- |',
    ...r.logGrowth.rows.map(
      (row) =>
        `| ${row.exchanges} | ${f(row.fileMb, 2)} | ${f(row.append.p50, 2)} | ${f(row.append.p99, 2)} | ${f(row.append.p50 / r.logGrowth.rows[0].append.p50, 2)}× |`,
    ),
    '',
    `${r.logGrowth.concurrent.appends} concurrent appends on a log of ${r.logGrowth.concurrent.exchanges}: ` +
      `${f(r.logGrowth.concurrent.perSecond, 0)} appends/s (${f(r.logGrowth.concurrent.seconds, 2)} s).`,
    '',
    '### Memory (RSS)',
    '',
    `| process | idle MB | after ${r.memory.users} users MB | after, vs floor |`,
    '| --- | --- | --- | --- |',
    `| service | ${f(r.memory.service.idleMb)} | ${f(r.memory.service.afterUsersMb)} | ${f(r.memory.service.afterUsersMb / r.memory.floor.afterUsersMb, 2)}× |`,
    `| service, \`--max-old-space-size=${r.memory.serviceCapped.capMb}\` | ${f(r.memory.serviceCapped.idleMb)} | ${f(r.memory.serviceCapped.afterUsersMb)} | ${f(r.memory.serviceCapped.afterUsersMb / r.memory.floor.afterUsersMb, 2)}× |`,
    `| floor | ${f(r.memory.floor.idleMb)} | ${f(r.memory.floor.afterUsersMb)} | 1.00× |`,
    '',
  ].join('\n');
}

function targets(r: BenchResults): string {
  const find = (latency: number, users: string, connections: number) =>
    r.throughput.find((row) => row.latencyMs === latency && row.users === users && row.connections === connections);
  const c64 = find(0, 'returning', 64);
  const c1 = r.throughput.filter((row) => row.connections === 1);
  const addedP50 = Math.max(...c1.map((row) => row.service.p50 - row.floor.p50));
  const growth = r.logGrowth.rows.at(-1)!.append.p50 / r.logGrowth.rows[0].append.p50;
  const rows: Array<[string, string, boolean]> = [
    ['throughput at c=64, latency 0, returning users ≥ 0.7 of the floor', c64 ? f(c64.service.rps / c64.floor.rps, 2) : 'n/a', !!c64 && c64.service.rps / c64.floor.rps >= 0.7],
    ['added p50 at c=1 ≤ 2 ms over the floor (worst row)', `${f(addedP50, 1)} ms`, addedP50 <= 2],
    ['threads-and-runs answer ≤ 50 ms after the run completes (p50)', `${f(r.assistants.service.p50 - r.assistants.runMs)} ms`, r.assistants.service.p50 - r.assistants.runMs <= 50],
    ['first delta ≤ 5 ms after the upstream’s (p50)', `${f(r.streaming.firstDeltaGap.p50, 2)} ms`, r.streaming.firstDeltaGap.p50 <= 5],
    [`append at ${r.logGrowth.rows.at(-1)!.exchanges} ≤ 3 × the cost at ${r.logGrowth.rows[0].exchanges}`, `${f(growth, 2)}×`, growth <= 3],
    [`RSS after ${r.memory.users} users < 200 MB`, `${f(r.memory.service.afterUsersMb)} MB`, r.memory.service.afterUsersMb < 200],
  ];
  return [
    '### Targets',
    '',
    '| target | measured | met |',
    '| --- | --- | --- |',
    ...rows.map(([name, value, met]) => `| ${name} | ${value} | ${met ? 'yes' : '**no**'} |`),
    '',
  ].join('\n');
}
