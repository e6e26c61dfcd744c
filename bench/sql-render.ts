// node -r ts-node/register/transpile-only bench/sql-render.ts bench/results/<date>-sql.json:
// redraws the Markdown of a saved npm run bench:sql run, without measuring again.
import { readFileSync, writeFileSync } from 'node:fs';
import { type SqlBenchResults, sqlResultsMarkdown } from './report/sql-markdown';

const file = process.argv[2];
if (file === undefined || !file.endsWith('.json')) {
  process.stderr.write('usage: node -r ts-node/register/transpile-only bench/sql-render.ts bench/results/<date>-sql.json\n');
  process.exit(2);
}
const results = JSON.parse(readFileSync(file, 'utf8')) as SqlBenchResults;
writeFileSync(file.replace(/\.json$/, '.md'), `# SQL store benchmark ${results.date}\n\n${sqlResultsMarkdown(results)}`);
process.stdout.write(`wrote ${file.replace(/\.json$/, '.md')}\n`);
