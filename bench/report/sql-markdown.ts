import type { SqlMemory } from '../scenarios/sql-memory';
import type { SqlScale } from '../scenarios/sql-scale';
import type { ThroughputRow } from '../scenarios/throughput';
import type { Machine } from '../lib/machine';

export interface SqlBenchResults {
  date: string;
  quick: boolean;
  durationSeconds: number;
  machine: Machine;
  postgres: string;
  scale: SqlScale[];
  memory: SqlMemory[];
  throughput: Array<{ store: string; rows: ThroughputRow[] }>;
  /** Anything about this run a reader must know (a part measured again, and why). */
  notes?: string;
}

const SCALE_TARGET = 1.5;
const MEMORY_TARGET = 1.2;
const f = (value: number, digits = 1): string => (Number.isFinite(value) ? value.toFixed(digits) : 'n/a');
const met = (ok: boolean): string => (ok ? 'yes' : '**no**');
const count = (n: number): string => n.toLocaleString('en-US').replace(/,/g, ' ');

/** The SQL stores' results as Markdown, targets first. */
export function sqlResultsMarkdown(r: SqlBenchResults): string {
  return [
    `Run ${r.date} on ${r.machine.cores} × ${r.machine.cpu}, ${r.machine.memoryGb} GB, Node ${r.machine.node}; PostgreSQL: ${r.postgres}; ${r.durationSeconds} s in all.`,
    '',
    ...(r.notes === undefined ? [] : [`Note: ${r.notes}`, '']),
    '### Targets',
    '',
    '| target | measured | met |',
    '| --- | --- | --- |',
    ...r.scale.flatMap((scale) => {
      const first = scale.rows[0];
      const last = scale.rows[scale.rows.length - 1];
      return (['append', 'page', 'olderPage'] as const).map((what) => {
        const ratio = last[what].p50 / first[what].p50;
        return `| ${scale.kind} ${label(what)} p50 at ${count(last.exchanges)} ≤ ${SCALE_TARGET} × at ${count(first.exchanges)} | ${f(ratio, 2)}× | ${met(ratio <= SCALE_TARGET)} |`;
      });
    }),
    ...r.memory.map(
      (m) => `| ${m.kind} service RSS after ${count(m.exchanges)} exchanges from ${count(m.users)} users ≤ ${MEMORY_TARGET} × idle | ${f(m.ratio, 2)}× (${f(m.idleMb, 0)} → ${f(m.afterMb, 0)} MB) | ${met(m.ratio <= MEMORY_TARGET)} |`,
    ),
    '',
    ...r.scale.flatMap((scale) => [
      `### ${scale.kind}: cost against the size of the log`,
      '',
      `The store alone (no HTTP), one database per size, measured in ${scale.rounds} alternating rounds; users picked at random (seeded); pages of ${scale.pageSize}. Latencies in ms.`,
      '',
      '| exchanges | users | database MB | seeded in s | append p50 | append p99 | page p50 | page p99 | older page p50 | older page p99 | append p50 vs first | page p50 vs first |',
      '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
      ...scale.rows.map(
        (row) =>
          `| ${count(row.exchanges)} | ${count(row.users)} | ${f(row.databaseMb, 0)} | ${f(row.seedSeconds, 0)} | ${f(row.append.p50, 2)} | ${f(row.append.p99, 2)} | ` +
          `${f(row.page.p50, 2)} | ${f(row.page.p99, 2)} | ${f(row.olderPage.p50, 2)} | ${f(row.olderPage.p99, 2)} | ` +
          `${f(row.append.p50 / scale.rows[0].append.p50, 2)}× | ${f(row.page.p50 / scale.rows[0].page.p50, 2)}× |`,
      ),
      '',
    ]),
    '### Service memory on a database',
    '',
    'RSS at idle, right after the load (V8 still at its heap high-water mark), and after 75 s without requests.',
    '',
    '| store | users | exchanges | idle RSS MB | right after MB | after 75 s idle MB | ratio to idle | load seconds |',
    '| --- | --- | --- | --- | --- | --- | --- | --- |',
    ...r.memory.map(
      (m) => `| ${m.kind} | ${count(m.users)} | ${count(m.exchanges)} | ${f(m.idleMb, 0)} | ${f(m.peakMb, 0)} | ${f(m.afterMb, 0)} | ${f(m.ratio, 2)} | ${f(m.seconds, 0)} |`,
    ),
    '',
    '### Throughput and latency by store: service vs floor',
    '',
    'As in BENCHMARKS.md (mean of alternating runs, latencies in ms, ratio = service / floor requests per second); the floor stores nothing.',
    '',
    '| store | upstream latency | users | concurrency | service req/s | floor req/s | ratio | service p50 | floor p50 | service p99 | floor p99 | errors (service/floor) |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
    ...r.throughput.flatMap(({ store, rows }) =>
      rows.map(
        (row) =>
          `| ${store} | ${row.latencyMs} ms | ${row.users} | ${row.connections} | ${f(row.service.rps, 0)} | ${f(row.floor.rps, 0)} | ${f(row.service.rps / row.floor.rps, 2)} | ` +
          `${f(row.service.p50)} | ${f(row.floor.p50)} | ${f(row.service.p99)} | ${f(row.floor.p99)} | ${row.service.errors}/${row.floor.errors} |`,
      ),
    ),
    '',
  ].join('\n');
}

function label(what: 'append' | 'page' | 'olderPage'): string {
  return what === 'olderPage' ? 'older page' : what;
}
