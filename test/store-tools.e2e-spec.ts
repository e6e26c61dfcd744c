import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { createTestDatabase, type TestDatabase } from './support/servers/test-database.factory';

const ROOT = join(__dirname, '..');

interface Run {
  code: number | null;
  output: string;
}

/** `npm run <script> -- args` from the repository, with only the store variables given (and DATABASE_URL blank unless set, so a developer's .env cannot leak in). */
function npmRun(script: string, args: string[], env: Record<string, string>): Promise<Run> {
  return new Promise((resolve) => {
    const child = spawn('npm', ['run', '--silent', script, '--', ...args], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', NO_COLOR: '1', DATABASE_URL: '', ...env },
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('close', (code) => resolve({ code, output }));
  });
}

const SEED = {
  alice: [
    { user: 'Hello!', bot: 'Hello there!', timestamp: 1696614303.123 },
    { user: 'Again', bot: 'Still here', timestamp: 1696614310.5, model: 'gpt-5-mini', usage: { input_tokens: 3, output_tokens: 4, total_tokens: 7 } },
  ],
  bob: [{ user: 'ünïcödé "q"', bot: 'a\nb', timestamp: 1696614400.001 }],
  'key:crm/alice': [{ user: 'from the CRM', bot: 'noted', timestamp: 1696614500.25 }],
};

describe('npm run log:export, log:import and db:migrate', () => {
  let dir: string;
  let database: TestDatabase;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'store-tools-'));
    database = await createTestDatabase();
  });

  afterAll(async () => {
    await database?.drop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('moves a seed log JSON -> SQLite -> PostgreSQL -> JSON unchanged, and importing again adds nothing', async () => {
    const seed = join(dir, 'seed.json');
    await writeFile(seed, JSON.stringify(SEED, null, 2));
    const sqlite = { DATABASE_URL: `sqlite:${join(dir, 'chat.db')}` };
    const postgres = { DATABASE_URL: database.url };

    expect(await npmRun('log:import', [seed], sqlite)).toEqual({ code: 0, output: expect.stringContaining('imported 4 new exchange(s) of 3 user(s)') });
    expect(await npmRun('log:import', [seed], sqlite)).toEqual({ code: 0, output: expect.stringContaining('imported 0 new exchange(s) of 3 user(s)') });
    expect(await npmRun('log:export', [join(dir, 'from-sqlite.json')], sqlite)).toEqual({ code: 0, output: expect.stringContaining('exported 4 exchange(s) of 3 user(s)') });

    expect(await npmRun('log:import', [join(dir, 'from-sqlite.json')], postgres)).toEqual({ code: 0, output: expect.stringContaining('imported 4 new exchange(s)') });
    expect(await npmRun('log:import', [join(dir, 'from-sqlite.json')], postgres)).toEqual({ code: 0, output: expect.stringContaining('imported 0 new exchange(s)') });
    expect((await npmRun('log:export', [join(dir, 'from-postgres.json')], postgres)).code).toBe(0);

    // Back into JSON files: the export of a database is a log the JSON store serves as it is.
    const jsonLog = { CONVERSATION_LOG_PATH: join(dir, 'conversations.json'), THREAD_STORE_PATH: join(dir, 'threads.json') };
    expect((await npmRun('log:import', [join(dir, 'from-postgres.json')], jsonLog)).code).toBe(0);
    expect((await npmRun('log:export', [join(dir, 'from-json.json')], jsonLog)).code).toBe(0);
    for (const name of ['from-sqlite.json', 'from-postgres.json', 'conversations.json', 'from-json.json']) {
      expect({ name, log: JSON.parse(await readFile(join(dir, name), 'utf8')) as unknown }).toEqual({ name, log: SEED });
    }
  }, 60000);

  it('migrates a new database once when several db:migrate run together, and says so', async () => {
    const fresh = await createTestDatabase();
    try {
      const sqlite = { DATABASE_URL: `sqlite:${join(dir, 'migrated.db')}` };
      const runs = await Promise.all([
        ...Array.from({ length: 3 }, () => npmRun('db:migrate', [], { DATABASE_URL: fresh.url })),
        ...Array.from({ length: 3 }, () => npmRun('db:migrate', [], sqlite)),
      ]);
      for (const run of runs) expect(run).toEqual({ code: 0, output: expect.stringContaining('is up to date') });
      for (const name of ['0001-initial', '0002-jobs']) expect(runs.filter((run) => run.output.includes(`applied migration ${name}`))).toHaveLength(2);
      const client = new Client({ connectionString: fresh.url });
      await client.connect();
      try {
        expect((await client.query('select name from kysely_migration order by name')).rows).toEqual([{ name: '0001-initial' }, { name: '0002-jobs' }]);
      } finally {
        await client.end();
      }
    } finally {
      await fresh.drop();
    }
  }, 60000);

  it('explains itself when there is nothing to migrate, and when an argument is missing', async () => {
    expect(await npmRun('db:migrate', [], { CONVERSATION_LOG_PATH: join(dir, 'c.json') })).toEqual({
      code: 0,
      output: expect.stringContaining('DATABASE_URL is not set'),
    });
    expect(await npmRun('log:export', [], { DATABASE_URL: `sqlite:${join(dir, 'chat.db')}` })).toEqual({
      code: 1,
      output: expect.stringContaining('usage: npm run log:export -- OUT.json'),
    });
    expect(await npmRun('log:import', [join(dir, 'missing.json')], { DATABASE_URL: `sqlite:${join(dir, 'chat.db')}` })).toEqual({
      code: 1,
      output: expect.stringMatching(/^cannot read \S+missing\.json \(ENOENT\)\n$/),
    });
    expect(await npmRun('log:export', [join(dir, 'no', 'such', 'dir', 'out.json')], { DATABASE_URL: `sqlite:${join(dir, 'chat.db')}` })).toEqual({
      code: 1,
      output: expect.stringMatching(/cannot write \S+out\.json \(ENOENT\)\n$/),
    });
  }, 60000);
});
