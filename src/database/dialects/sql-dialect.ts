import type { Kysely } from 'kysely';
import type { UserKey } from '../../auth/user-key';
import type { DatabaseSchema } from '../database.schema';

export type SqlDialectName = 'sqlite' | 'postgres';

/** A Kysely instance on the service's schema: the whole pool, one reserved connection, or a transaction. */
export type SqlExecutor = Kysely<DatabaseSchema>;

/**
 * Everything that differs between SQLite and PostgreSQL. The stores' queries are
 * the same Kysely code for both; what cannot be (connections, locks, error
 * classes, the health probe) is said once per dialect, here.
 */
export interface SqlDialect {
  readonly name: SqlDialectName;
  /** Where the database is, for messages: a file path, or the URL without its password. */
  readonly location: string;
  /** A new Kysely instance with its own connection(s); nothing is opened before the first query. */
  createKysely(): SqlExecutor;
  /** Runs `work` on one reserved connection while no other process migrates this database. */
  withMigrationLock<T>(db: SqlExecutor, work: (connection: SqlExecutor) => Promise<T>): Promise<T>;
  /** Runs `work` in one transaction that no other writer of the same user interleaves with (imports). */
  userTransaction<T>(db: SqlExecutor, user: UserKey, work: (trx: SqlExecutor) => Promise<T>): Promise<T>;
  /** A cheap query that fails when the database cannot take writes now. */
  probe(db: SqlExecutor): Promise<void>;
  /** The database could not be reached or is not serving (worth waiting for), as opposed to a statement that failed. */
  isUnreachable(error: unknown): boolean;
}
