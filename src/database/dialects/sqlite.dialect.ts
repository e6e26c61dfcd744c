import { mkdirSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { Kysely, SqliteDialect, sql } from 'kysely';
import type { UserKey } from '../../auth/user-key';
import type { DatabaseSchema } from '../database.schema';
import type { SqlDialect, SqlExecutor } from './sql-dialect';

/**
 * How long a statement waits for another process's write lock (`npm run log:import`
 * or `db:migrate` beside the service). better-sqlite3 is synchronous, so this blocks
 * the event loop while it waits: keep it short.
 */
const BUSY_TIMEOUT_MS = 5000;

/** Error codes of an SQLite file that cannot be used now, as opposed to a statement that failed. */
const UNREACHABLE = /^SQLITE_(BUSY|LOCKED|CANTOPEN|IOERR|READONLY|NOTADB|CORRUPT)/;

/**
 * An SQLite file through better-sqlite3: one connection, WAL so that readers never
 * wait for the writer, and synchronous=FULL so that a commit is on disk (WAL fsynced)
 * before it returns: an acknowledged exchange survives kill -9 and a power cut.
 */
export class SqliteSqlDialect implements SqlDialect {
  readonly name = 'sqlite';
  /** The file this process opened; a file deleted or replaced under it would take writes into the void. */
  private opened: { dev: number; ino: number } | undefined;

  constructor(private readonly path: string) {}

  get location(): string {
    return this.path;
  }

  createKysely(): SqlExecutor {
    return new Kysely<DatabaseSchema>({ dialect: new SqliteDialect({ database: () => Promise.resolve(this.open()) }) });
  }

  // SQLite takes one writer at a time: BEGIN IMMEDIATE takes the write lock up front (waiting up to the busy
  // timeout for another process), so a migration or an import never fails half-way on a lock it could not upgrade.
  withMigrationLock<T>(db: SqlExecutor, work: (connection: SqlExecutor) => Promise<T>): Promise<T> {
    return db.connection().execute((connection) => immediateTransaction(connection, () => work(connection)));
  }

  userTransaction<T>(db: SqlExecutor, _user: UserKey, work: (trx: SqlExecutor) => Promise<T>): Promise<T> {
    return db.connection().execute((connection) => immediateTransaction(connection, () => work(connection)));
  }

  async probe(db: SqlExecutor): Promise<void> {
    await db.selectNoFrom((eb) => eb.lit(1).as('one')).execute();
    const now = statSync(this.path, { throwIfNoEntry: false });
    if (this.opened !== undefined && (now === undefined || now.dev !== this.opened.dev || now.ino !== this.opened.ino)) {
      throw new Error(`${this.path} was deleted or replaced while open; restart the service to use the file at that path`);
    }
  }

  isUnreachable(error: unknown): boolean {
    const code = (error as { code?: unknown })?.code;
    return typeof code === 'string' && UNREACHABLE.test(code);
  }

  private open(): Database.Database {
    mkdirSync(dirname(this.path), { recursive: true });
    const db = new Database(this.path);
    try {
      const mode = db.pragma('journal_mode = WAL', { simple: true });
      if (mode !== 'wal') throw new Error(`${this.path}: SQLite refused WAL mode (journal_mode is ${String(mode)})`);
      db.pragma('synchronous = FULL');
      db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
      const { dev, ino } = statSync(this.path);
      this.opened = { dev, ino };
      return db;
    } catch (error) {
      db.close();
      throw error;
    }
  }
}

async function immediateTransaction<T>(connection: SqlExecutor, work: () => Promise<T>): Promise<T> {
  await sql`begin immediate`.execute(connection);
  try {
    const result = await work();
    await sql`commit`.execute(connection);
    return result;
  } catch (error) {
    await sql`rollback`.execute(connection).catch(() => undefined);
    throw error;
  }
}
