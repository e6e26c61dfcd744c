import { UPSTREAM } from '../scenarios/capacity';
import type { ThroughputRow } from '../scenarios/throughput';
import type { BenchResults } from './write-results';

const f = (value: number, digits = 1): string => (Number.isFinite(value) ? value.toFixed(digits) : 'n/a');

/** The results as Markdown tables, targets first. */
export function resultsMarkdown(r: BenchResults): string {
  return [
    `Run ${r.date} on ${r.machine.cores} × ${r.machine.cpu}, ${r.machine.memoryGb} GB, Node ${r.machine.node}; ${r.durationSeconds} s in all.`,
    '',
    targets(r),
    '### Throughput and latency: service vs both floors',
    '',
    'Mean of the alternating runs; latencies in ms. The floor is a bare `node:http` server making the same SDK calls; the durable floor ' +
      'also appends each exchange as a JSON line, group-committed with `fdatasync`. Ratios are service / floor requests per second; ' +
      '"added p50" is the service\'s p50 minus the durable floor\'s. "SQLite" is the same service with `DATABASE_URL=sqlite:...`.',
    '',
    '| upstream latency | users | concurrency | service req/s | SQLite req/s | floor req/s | durable req/s | vs floor | vs durable | SQLite vs durable | service p50 | SQLite p50 | floor p50 | durable p50 | added p50 | service p99 | durable p99 | errors (service/SQLite/floor/durable) |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
    ...r.throughput.map(
      (row) =>
        `| ${row.latencyMs} ms | ${row.users} | ${row.connections} | ${f(row.service.rps, 0)} | ${f(row.sqlite?.rps ?? Number.NaN, 0)} | ${f(row.floor.rps, 0)} | ${f(row.durable.rps, 0)} | ` +
        `${f(row.service.rps / row.floor.rps, 2)} | ${f(row.service.rps / row.durable.rps, 2)} | ${f((row.sqlite?.rps ?? Number.NaN) / row.durable.rps, 2)} | ` +
        `${f(row.service.p50)} | ${f(row.sqlite?.p50 ?? Number.NaN)} | ${f(row.floor.p50)} | ${f(row.durable.p50)} | ${f(row.service.p50 - row.durable.p50)} | ${f(row.service.p99)} | ${f(row.durable.p99)} | ` +
        `${row.service.errors}/${row.sqlite?.errors ?? '-'}/${row.floor.errors}/${row.durable.errors} |`,
    ),
    '',
    '![Throughput against concurrency, upstream latency 0](bench/results/throughput.svg)',
    '',
    ...capacity(r),
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
  const ratio = (row: ThroughputRow | undefined, side: 'floor' | 'durable'): number => (row ? row.service.rps / row[side].rps : Number.NaN);
  const sqliteRatio = (row: ThroughputRow | undefined): number => (row?.sqlite ? row.sqlite.rps / row.durable.rps : Number.NaN);
  const returning64 = find(0, 'returning', 64);
  const new64 = find(0, 'new', 64);
  const c1 = r.throughput.filter((row) => row.connections === 1);
  const addedP50 = Math.max(...c1.map((row) => row.service.p50 - row.durable.p50));
  const sqliteAddedP50 = Math.max(...c1.map((row) => (row.sqlite?.p50 ?? Number.NaN) - row.durable.p50));
  const growth = r.logGrowth.rows.at(-1)!.append.p50 / r.logGrowth.rows[0].append.p50;
  const cap = r.capacity.find((row) => row.streams === 2000) ?? r.capacity[0];
  const rows: Array<[string, string, boolean]> = [
    [
      'throughput at c=64, latency 0 ≥ 0.7 of the durable floor (returning / new users)',
      `${f(ratio(returning64, 'durable'), 2)} / ${f(ratio(new64, 'durable'), 2)}`,
      ratio(returning64, 'durable') >= 0.7 && ratio(new64, 'durable') >= 0.7,
    ],
    ['added p50 at c=1 ≤ 1.5 ms over the durable floor (worst row)', `${f(addedP50, 1)} ms`, addedP50 <= 1.5],
    [
      '(the same two on SQLite: throughput returning / new; added p50 at c=1, worst row)',
      `${f(sqliteRatio(returning64), 2)} / ${f(sqliteRatio(new64), 2)}; ${f(sqliteAddedP50, 1)} ms`,
      sqliteRatio(returning64) >= 0.7 && sqliteRatio(new64) >= 0.7 && sqliteAddedP50 <= 1.5,
    ],
  ];
  if (cap !== undefined) {
    rows.push(
      [`capacity at ${cap.streams} streams: 0 failures`, `${cap.service.failures}`, cap.service.failures === 0],
      [`capacity at ${cap.streams} streams: added p99 ≤ 1.5 × the durable floor's`, `${f(cap.service.addedP99, 0)} vs ${f(cap.floor.addedP99, 0)} ms (${f(cap.service.addedP99 / cap.floor.addedP99, 2)}×)`, cap.service.addedP99 <= 1.5 * cap.floor.addedP99],
      [`capacity at ${cap.streams} streams: peak RSS ≤ 1.3 × the durable floor's`, `${f(cap.service.peakRssMb, 0)} vs ${f(cap.floor.peakRssMb, 0)} MB (${f(cap.service.peakRssMb / cap.floor.peakRssMb, 2)}×)`, cap.service.peakRssMb <= 1.3 * cap.floor.peakRssMb],
      [`event-loop delay p99 < 50 ms during the capacity run (${cap.streams} streams)`, `${f(cap.service.eventLoopP99)} ms`, cap.service.eventLoopP99 < 50],
    );
  }
  rows.push(
    ['throughput at c=64, latency 0, returning users ≥ 0.7 of the in-memory floor', f(ratio(returning64, 'floor'), 2), ratio(returning64, 'floor') >= 0.7],
    ['threads-and-runs answer ≤ 50 ms after the run completes (p50)', `${f(r.assistants.service.p50 - r.assistants.runMs)} ms`, r.assistants.service.p50 - r.assistants.runMs <= 50],
    ['first delta ≤ 5 ms after the upstream’s (p50)', `${f(r.streaming.firstDeltaGap.p50, 2)} ms`, r.streaming.firstDeltaGap.p50 <= 5],
    [`append at ${r.logGrowth.rows.at(-1)!.exchanges} ≤ 3 × the cost at ${r.logGrowth.rows[0].exchanges}`, `${f(growth, 2)}×`, growth <= 3],
    [`RSS after ${r.memory.users} users < 200 MB`, `${f(r.memory.service.afterUsersMb)} MB`, r.memory.service.afterUsersMb < 200],
  );
  return [
    '### Targets',
    '',
    '| target | measured | met |',
    '| --- | --- | --- |',
    ...rows.map(([name, value, met]) => `| ${name} | ${value} | ${met ? 'yes' : '**no**'} |`),
    '',
  ].join('\n');
}

function capacity(r: BenchResults): string[] {
  const { conversationMs, responseMs, streamMs } = UPSTREAM;
  return [
    '### Capacity: concurrent streams of new users',
    '',
    `Every stream is a new user's first turn, all opened at once; the upstream takes ${conversationMs} ms to create the conversation, ` +
      `${responseMs} ms to start answering and ${streamMs} ms to stream the answer. "Added" is a stream's time minus those ` +
      `${conversationMs + responseMs + streamMs} ms. Event-loop delay is \`monitorEventLoopDelay\` in the target process during the run. ` +
      `"Own timing" is what the service itself measured for each turn (its \`done\` event's \`timing\`): the time spent waiting for the upstream, and the rest.`,
    '',
    '| streams | target | failures | added p50 ms | added p99 ms | peak RSS MB | event loop p99 ms | event loop max ms | own timing: upstream p50 / app p50 / app p99 ms | first failures |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
    ...r.capacity.flatMap((row) =>
      (['service', 'floor'] as const).map((side) => {
        const s = row[side];
        const name = side === 'service' ? 'service' : 'durable floor';
        const own = s.upstream && s.app ? `${f(s.upstream.p50, 0)} / ${f(s.app.p50, 0)} / ${f(s.app.p99, 0)}` : '-';
        return (
          `| ${row.streams} | ${name} | ${s.failures} | ${f(s.addedP50, 0)} | ${f(s.addedP99, 0)} | ${f(s.peakRssMb, 0)} | ${f(s.eventLoopP99)} | ${f(s.eventLoopMax)} | ` +
          `${own} | ${s.firstFailures.join('; ').replace(/\|/g, '/') || '-'} |`
        );
      }),
    ),
    '',
  ];
}
