import { mkdtemp, rm, unlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Logger } from '@nestjs/common';
import BetterSqlite3 from 'better-sqlite3';
import { sql } from 'kysely';
import { Client } from 'pg';
import { FreezableProxy } from '../../test/support/servers/freezable.proxy';
import { freePort } from '../../test/support/servers/tcp-port.probe';
import { createTestDatabase, type TestDatabase } from '../../test/support/servers/test-database.factory';
import { openSqlDatabase, sqlConfig } from '../../test/support/sql-databases';
import { StartupError } from '../common/errors/startup.error';
import type { SqlStoresConfig } from '../config/stores.config';
import { StorageErrorCode } from '../persistence/errors/storage.error';
import { createSqlDialect } from '../persistence/store-adapters';
import { SqlDatabase } from './sql-database';

const PASSWORD = 'pw-canary-7f3a';

beforeAll(() => Logger.overrideLogger(false));
afterAll(() => Logger.overrideLogger(new Logger()));

function unopened(config: SqlStoresConfig): SqlDatabase {
  return new SqlDatabase(createSqlDialect(config), config.database);
}

async function startupFailure(database: SqlDatabase): Promise<StartupError> {
  const error = await database.open().then(
    () => undefined,
    (failure: unknown) => failure,
  );
  await database.close();
  if (!(error instanceof StartupError)) throw new Error(`expected a StartupError, got ${String(error)}`);
  return error;
}

describe('SqlDatabase on PostgreSQL', () => {
  let testDatabase: TestDatabase;

  beforeAll(async () => (testDatabase = await createTestDatabase()));
  afterAll(() => testDatabase?.drop());

  it('migrates once when six replicas start together', async () => {
    const databases = await Promise.all(Array.from({ length: 6 }, () => openSqlDatabase(sqlConfig(testDatabase.url))));
    await Promise.all(databases.map((database) => database.close()));
    const client = new Client({ connectionString: testDatabase.url });
    await client.connect();
    try {
      const { rows } = await client.query<{ name: string }>('select name from kysely_migration order by name');
      expect(rows.map((row) => row.name)).toEqual(['0001-initial', '0002-jobs']);
      const tables = await client.query<{ tablename: string }>(`select tablename from pg_tables where schemaname = 'public' order by tablename`);
      expect(tables.rows.map((row) => row.tablename)).toEqual(['exchanges', 'jobs', 'kysely_migration', 'kysely_migration_lock', 'threads']);
    } finally {
      await client.end();
    }
  });

  it('gives up on a server that is not there after DATABASE_STARTUP_WAIT_MS, naming DATABASE_URL but not the password', async () => {
    const port = await freePort();
    const database = unopened(sqlConfig(`postgres://chat:${PASSWORD}@127.0.0.1:${port}/chat`, { DATABASE_STARTUP_WAIT_MS: '1500' }));
    const started = Date.now();
    const error = await startupFailure(database);
    expect(Date.now() - started).toBeGreaterThanOrEqual(1500);
    expect(Date.now() - started).toBeLessThan(5000);
    expect(error.message).toMatch(new RegExp(`^DATABASE_URL: cannot reach the database at postgres://chat@127.0.0.1:${port}/chat .*ECONNREFUSED`));
    expect(error.message).not.toContain(PASSWORD);
    expect(error.message.split('\n')).toHaveLength(1);
  });

  it('fails at once, without waiting, when the server refuses the credentials', async () => {
    const url = new URL(testDatabase.url);
    url.password = PASSWORD;
    const database = unopened(sqlConfig(url.toString(), { DATABASE_STARTUP_WAIT_MS: '60000' }));
    const started = Date.now();
    const error = await startupFailure(database);
    expect(Date.now() - started).toBeLessThan(5000);
    expect(error.message).toMatch(/^DATABASE_URL: the database at postgres:\/\/postgres@127\.0\.0\.1:\d+\/test_\w+ refused us: password authentication failed/);
    expect(error.message).not.toContain(PASSWORD);
  });

  it('bounds every statement by DATABASE_STATEMENT_TIMEOUT_MS, and the pool serves the next one', async () => {
    const database = await openSqlDatabase(sqlConfig(testDatabase.url, { DATABASE_STATEMENT_TIMEOUT_MS: '300', DATABASE_POOL_MAX: '1' }));
    const started = Date.now();
    await expect(database.read((db) => sql`select pg_sleep(5)`.execute(db))).rejects.toMatchObject({ code: StorageErrorCode.UNAVAILABLE });
    expect(Date.now() - started).toBeLessThan(2000);
    await expect(database.checkHealth()).resolves.toBeUndefined();
    await database.close();
  });

  it('answers UNAVAILABLE in bounded time when the server stops answering mid-connection, and drops that connection', async () => {
    const proxy = await FreezableProxy.start(Number(new URL(testDatabase.url).port));
    const url = new URL(testDatabase.url);
    url.port = String(proxy.port);
    const env = { DATABASE_STATEMENT_TIMEOUT_MS: '300', DATABASE_CONNECT_TIMEOUT_MS: '500', DATABASE_POOL_MAX: '1' };
    const database = await openSqlDatabase(sqlConfig(url.toString(), env));
    try {
      proxy.freezeOpenConnections();
      const started = Date.now();
      await expect(database.read((db) => db.selectFrom('threads').selectAll().execute())).rejects.toMatchObject({ code: StorageErrorCode.UNAVAILABLE });
      expect(Date.now() - started).toBeLessThan(3000);
      // The stalled connection was destroyed, not handed to the next query, which gets a new one.
      await expect(database.read((db) => db.selectFrom('threads').selectAll().execute())).resolves.toEqual([]);
      await expect(database.checkHealth()).resolves.toBeUndefined();
    } finally {
      await database.close();
      await proxy.stop();
    }
  });

  it('reports health UNAVAILABLE for a server that is not there, within the probe timeout', async () => {
    const database = unopened(sqlConfig(`postgres://chat:${PASSWORD}@127.0.0.1:${await freePort()}/chat`));
    await expect(database.checkHealth()).rejects.toMatchObject({ code: StorageErrorCode.UNAVAILABLE });
    await database.close();
  });
});

describe('SqlDatabase on SQLite', () => {
  let dir: string;

  beforeEach(async () => (dir = await mkdtemp(join(tmpdir(), 'sql-database-'))));
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('creates the directory and the file, in WAL mode, and migrates it once across reopens', async () => {
    const config = sqlConfig(`sqlite:${join(dir, 'nested', 'chat.db')}`);
    const first = await openSqlDatabase(config);
    await first.close();
    const file = new BetterSqlite3(join(dir, 'nested', 'chat.db'), { readonly: true });
    expect(file.pragma('journal_mode', { simple: true })).toBe('wal');
    file.close();
    const again = await openSqlDatabase(config);
    const migrations = await again.read((db) => db.withTables<{ kysely_migration: { name: string } }>().selectFrom('kysely_migration').select('name').orderBy('name').execute());
    expect(migrations).toEqual([{ name: '0001-initial' }, { name: '0002-jobs' }]);
    await again.close();
  });

  it('fails its health check once its file is deleted under it, since writes would go nowhere', async () => {
    const path = join(dir, 'chat.db');
    const database = await openSqlDatabase(sqlConfig(`sqlite:${path}`));
    await expect(database.checkHealth()).resolves.toBeUndefined();
    await unlink(path);
    await expect(database.checkHealth()).rejects.toMatchObject({ code: StorageErrorCode.UNAVAILABLE });
    await database.close();
  });

  it('stops start-up with one line naming DATABASE_URL when the file cannot be a database', async () => {
    const database = unopened(sqlConfig(`sqlite:${dir}`, { DATABASE_STARTUP_WAIT_MS: '0' }));
    const error = await startupFailure(database);
    expect(error.message).toMatch(new RegExp(`^DATABASE_URL: .*${dir}`));
  });
});
