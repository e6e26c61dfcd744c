import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AssistantsLatency } from '../scenarios/assistants-latency';
import type { CapacityRow } from '../scenarios/capacity';
import type { LogGrowth } from '../scenarios/log-growth';
import type { Memory } from '../scenarios/memory';
import type { StreamingLatency } from '../scenarios/streaming';
import type { ThroughputRow } from '../scenarios/throughput';
import { throughputChart } from './chart';
import { resultsMarkdown } from './markdown';
import type { Machine } from '../lib/machine';

export interface BenchResults {
  date: string;
  quick: boolean;
  durationSeconds: number;
  machine: Machine;
  throughput: ThroughputRow[];
  capacity: CapacityRow[];
  assistants: AssistantsLatency;
  streaming: StreamingLatency;
  logGrowth: LogGrowth;
  memory: Memory;
}

const ROOT = join(__dirname, '..', '..');
const RESULTS = join(ROOT, 'bench', 'results');
const START = '<!-- bench:results:start -->';
const END = '<!-- bench:results:end -->';

/** Writes the JSON and Markdown of this run and, unless it is labelled, the chart and the results section of BENCHMARKS.md. */
export function writeResults(results: BenchResults, label?: string): string[] {
  mkdirSync(RESULTS, { recursive: true });
  const stamp = results.date.slice(0, 10) + (results.quick ? '-quick' : '') + (label ? `-${label}` : '');
  const json = join(RESULTS, `${stamp}.json`);
  const markdownPath = join(RESULTS, `${stamp}.md`);
  const chart = join(RESULTS, 'throughput.svg');
  const markdown = resultsMarkdown(results);
  writeFileSync(json, `${JSON.stringify(results, null, 2)}\n`);
  writeFileSync(markdownPath, `# Benchmark results ${results.date}\n\n${markdown}`);
  const written = [json, markdownPath];
  // A labelled run (another build, for a before/after) leaves the chart and BENCHMARKS.md to the current one.
  if (label) return written;
  writeFileSync(chart, throughputChart(results.throughput));
  written.push(chart);
  if (!results.quick) {
    const benchmarks = join(ROOT, 'BENCHMARKS.md');
    const current = readFileSync(benchmarks, 'utf8');
    const start = current.indexOf(START);
    const end = current.indexOf(END);
    if (start >= 0 && end > start) {
      writeFileSync(benchmarks, `${current.slice(0, start + START.length)}\n${markdown}\n${current.slice(end)}`);
      written.push(benchmarks);
    }
  }
  return written;
}
