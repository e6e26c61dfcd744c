// npm run bench:render -- bench/results/<date>.json: redraws the Markdown, the chart and
// BENCHMARKS.md's results from a saved run, without measuring again.
import { readFileSync } from 'node:fs';
import { type BenchResults, writeResults } from './report/write-results';

const file = process.argv[2];
if (file === undefined) {
  process.stderr.write('usage: npm run bench:render -- bench/results/<date>.json\n');
  process.exit(2);
}
const written = writeResults(JSON.parse(readFileSync(file, 'utf8')) as BenchResults);
process.stdout.write(`wrote ${written.join(', ')}\n`);
