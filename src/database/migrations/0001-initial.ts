import type { Kysely, Migration } from 'kysely';
import type { SqlDialectName } from '../dialects/sql-dialect';

/** What a history page reads besides the key: written out here, as the schema was on the day of this migration. */
const PAGE_COLUMNS = ['user_text', 'bot_text', 'created_at', 'model', 'input_tokens', 'output_tokens', 'total_tokens'];

/**
 * The conversation log and the thread registry. A migration describes the schema
 * as it was on the day it was written, so the dialect's column types are spelled
 * out here rather than borrowed from code that may change later.
 */
export function initialMigration(dialect: SqlDialectName): Migration {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable('exchanges')
        // SQLite: AUTOINCREMENT so that an id is never reused after the newest rows are erased (a cursor only grows).
        .addColumn('id', dialect === 'postgres' ? 'bigint' : 'integer', (col) =>
          dialect === 'postgres' ? col.primaryKey().generatedAlwaysAsIdentity() : col.primaryKey().autoIncrement(),
        )
        .addColumn('namespace', 'text', (col) => col.notNull())
        .addColumn('user_id', 'text', (col) => col.notNull())
        .addColumn('user_text', 'text', (col) => col.notNull())
        .addColumn('bot_text', 'text', (col) => col.notNull())
        // The exact double the service holds: 1696614303.123 comes back as 1696614303.123, and an
        // imported timestamp with more digits than milliseconds is kept as it was, so imports stay idempotent.
        .addColumn('created_at', 'double precision', (col) => col.notNull())
        .addColumn('model', 'text')
        .addColumn('input_tokens', 'integer')
        .addColumn('output_tokens', 'integer')
        .addColumn('total_tokens', 'integer')
        .execute();
      // Serves a user's newest page before a cursor, erasure, import look-ups, and the export's walk over all users.
      // On SQLite it also carries every column a page returns: a user's rows are scattered through the table (users
      // interleave in time), and fetching 50 of them from a table of 10^7 cost 2.4 times what it cost at 10^3; read from
      // the user's own contiguous index entries instead, a page costs the same at both, for twice the disk
      // (docs/storage-benchmarks.md). PostgreSQL's pages stay within 1.3 times without it.
      await db.schema
        .createIndex('exchanges_user_id_idx')
        .on('exchanges')
        .columns(dialect === 'sqlite' ? ['namespace', 'user_id', 'id', ...PAGE_COLUMNS] : ['namespace', 'user_id', 'id'])
        .execute();

      await db.schema
        .createTable('threads')
        .addColumn('namespace', 'text', (col) => col.notNull())
        .addColumn('user_id', 'text', (col) => col.notNull())
        .addColumn('mode', 'text', (col) => col.notNull())
        .addColumn('thread_id', 'text', (col) => col.notNull())
        .addColumn('created_at', 'bigint', (col) => col.notNull())
        .addPrimaryKeyConstraint('threads_pkey', ['namespace', 'user_id'])
        .execute();
    },
  };
}
