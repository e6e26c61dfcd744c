import { createHash } from 'node:crypto';
import { Logger } from '@nestjs/common';
import { Kysely, PostgresDialect, type PostgresPool, type PostgresPoolClient, sql } from 'kysely';
import { DatabaseError, Pool } from 'pg';
import type { UserKey } from '../../auth/user-key';
import type { PostgresStoresConfig } from '../../config/stores.config';
import type { DatabaseSchema } from '../database.schema';
import type { SqlDialect, SqlExecutor } from './sql-dialect';

/** pg_advisory_lock key of the service's migrations: any fixed number no other application of the database uses. */
const MIGRATION_LOCK_KEY = 7_306_086_414_624_357_000n;
/** First half of the two-key advisory lock of one user's imports (a key space apart from the one-key migration lock). */
const IMPORT_LOCK_CLASS = 0x63_68_61_74;

/** SQLSTATE classes of a server that cannot serve now: connection exceptions, insufficient resources, operator intervention. */
const UNREACHABLE_STATES = /^(08|53|57)/;
/** read_only_sql_transaction: connected to a standby, as during a failover. */
const READ_ONLY_STATE = '25006';

/**
 * PostgreSQL through pg.Pool. Timeouts are all bounded, so that a request meets a
 * database that is down with a quick 503 instead of a hang: connecting (and waiting
 * for a free connection), each statement on the server, and reading its answer.
 */
export class PostgresSqlDialect implements SqlDialect {
  readonly name = 'postgres';
  private readonly logger = new Logger('Database');

  constructor(private readonly config: PostgresStoresConfig) {}

  get location(): string {
    return this.config.displayUrl;
  }

  createKysely(): SqlExecutor {
    const { url, pool, database } = this.config;
    const pg = new Pool({
      connectionString: url,
      max: pool.max,
      connectionTimeoutMillis: pool.connectionTimeoutMs,
      idleTimeoutMillis: pool.idleTimeoutMs,
      statement_timeout: database.statementTimeoutMs,
      // The client-side bound for a server that stopped answering (statement_timeout cannot fire then).
      query_timeout: database.statementTimeoutMs + pool.connectionTimeoutMs,
      keepAlive: true,
      application_name: 'chat-backend',
    });
    // An idle connection that the server drops (restart, failover) is an 'error' event: unhandled, it would end the process.
    pg.on('error', (error) => this.logger.warn(`an idle database connection failed and was dropped: ${describe(error)}`));
    return new Kysely<DatabaseSchema>({ dialect: new PostgresDialect({ pool: dropBrokenConnections(pg) }) });
  }

  // Kysely's own migrator takes an advisory lock too, but only around applying the pending migrations,
  // after creating its bookkeeping tables unlocked; this lock serializes the whole run across replicas.
  withMigrationLock<T>(db: SqlExecutor, work: (connection: SqlExecutor) => Promise<T>): Promise<T> {
    return db.connection().execute(async (connection) => {
      await sql`select pg_advisory_lock(${sql.lit(MIGRATION_LOCK_KEY)})`.execute(connection);
      try {
        return await work(connection);
      } finally {
        await sql`select pg_advisory_unlock(${sql.lit(MIGRATION_LOCK_KEY)})`.execute(connection).catch(() => undefined);
      }
    });
  }

  userTransaction<T>(db: SqlExecutor, user: UserKey, work: (trx: SqlExecutor) => Promise<T>): Promise<T> {
    return db.transaction().execute(async (trx) => {
      await sql`select pg_advisory_xact_lock(${IMPORT_LOCK_CLASS}::int4, ${userLockKey(user)}::int4)`.execute(trx);
      return work(trx);
    });
  }

  async probe(db: SqlExecutor): Promise<void> {
    const { standby } = await db.selectNoFrom((eb) => eb.fn<boolean>('pg_is_in_recovery').as('standby')).executeTakeFirstOrThrow();
    if (standby) throw new StandbyError();
  }

  isUnreachable(error: unknown): boolean {
    // Only the server's answers carry an SQLSTATE; every other failure (refused, reset, timed out,
    // terminated, no free connection in time) is about reaching it.
    if (!(error instanceof DatabaseError)) return true;
    return UNREACHABLE_STATES.test(error.code ?? '') || error.code === READ_ONLY_STATE;
  }
}

/** Connected to a standby, as in the middle of a failover: it answers but cannot take writes. */
class StandbyError extends Error {
  constructor() {
    super('the database is a read-only standby');
    this.name = 'StandbyError';
  }
}

/**
 * Hands out pool clients that are destroyed rather than reused once a query on them
 * failed for a reason other than the server's answer (a read timeout, a reset): such
 * a connection may still be waiting for a reply and would stall the next query.
 */
function dropBrokenConnections(pool: Pool): PostgresPool {
  return {
    connect: async () => {
      const client = await pool.connect();
      let broken = false;
      const wrapped = {
        query: (text: string, parameters: readonly unknown[]) => {
          const result = client.query(text, [...parameters]);
          result.catch((error: unknown) => {
            if (!(error instanceof DatabaseError)) broken = true;
          });
          return result;
        },
        release: (destroy?: boolean) => client.release(destroy === true || broken),
      };
      return wrapped as unknown as PostgresPoolClient;
    },
    end: () => pool.end(),
  };
}

/** A 32-bit key per user for the advisory lock; a collision only makes two users' imports wait for each other. */
function userLockKey({ namespace, userId }: UserKey): number {
  return createHash('sha256').update(namespace).update('\0').update(userId).digest().readInt32BE(0);
}

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
