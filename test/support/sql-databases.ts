import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseNamespace } from '../../src/config/read-namespace';
import { parseStoresConfig, type SqlStoresConfig } from '../../src/config/stores.config';
import { SqlDatabase } from '../../src/database/sql-database';
import { createSqlDialect } from '../../src/persistence/store-adapters';
import { createTestDatabase, type TestDatabase } from './servers/test-database.factory';

/** The SQL store configuration DATABASE_URL (and any other variables in `env`) gives, parsed as the service parses it. */
export function sqlConfig(databaseUrl: string, env: Record<string, string> = {}): SqlStoresConfig {
  const config = parseNamespace({ ...env, DATABASE_URL: databaseUrl }, parseStoresConfig);
  if (config.kind === 'json') throw new Error('not a SQL DATABASE_URL');
  return config;
}

/** A database opened (and migrated) as the service opens it. */
export async function openSqlDatabase(config: SqlStoresConfig): Promise<SqlDatabase> {
  const database = new SqlDatabase(createSqlDialect(config), config.database);
  await database.open();
  return database;
}

/** Where a SQL store suite keeps its data: a new SQLite file, or one PostgreSQL database per spec file. */
export interface SqlTarget {
  name: string;
  /** A DATABASE_URL on empty tables. */
  emptyUrl(): Promise<string>;
  /** Drops what the target created. */
  dispose(): Promise<void>;
}

export function sqliteTarget(): SqlTarget {
  const dirs: string[] = [];
  return {
    name: 'SQLite',
    emptyUrl: async () => {
      const dir = await mkdtemp(join(tmpdir(), 'sqlite-store-'));
      dirs.push(dir);
      return `sqlite:${join(dir, 'chat.db')}`;
    },
    dispose: async () => {
      await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })));
    },
  };
}

/** One database for the whole spec file (created on first use); each `emptyUrl` empties its tables. */
export function postgresTarget(): SqlTarget {
  let database: Promise<TestDatabase> | undefined;
  return {
    name: 'PostgreSQL',
    emptyUrl: async () => {
      database ??= createTestDatabase();
      const { url } = await database;
      const opened = await openSqlDatabase(sqlConfig(url));
      try {
        await opened.write('reset', (db) => db.deleteFrom('exchanges').execute());
        await opened.write('reset', (db) => db.deleteFrom('threads').execute());
        await opened.write('reset', (db) => db.deleteFrom('jobs').execute());
      } finally {
        await opened.close();
      }
      return url;
    },
    dispose: async () => {
      if (database !== undefined) await (await database).drop();
    },
  };
}

/** A store on an empty database, with reopen (a new connection, as after a restart) and cleanup, as the contract suites take it. */
export async function sqlStoreFixture<S>(target: SqlTarget, open: (database: SqlDatabase) => S) {
  const config = sqlConfig(await target.emptyUrl());
  const databases = [await openSqlDatabase(config)];
  return {
    config,
    store: open(databases[0]),
    reopen: async () => {
      databases.push(await openSqlDatabase(config));
      return open(databases[databases.length - 1]);
    },
    cleanup: async () => {
      await Promise.all(databases.map((database) => database.close()));
    },
  };
}
