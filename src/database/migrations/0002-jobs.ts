import type { Kysely, Migration } from 'kysely';

/**
 * The in-process job queue's jobs (without REDIS_URL). The record is kept whole
 * as JSON text (the same document in both dialects, read and written as one);
 * the columns beside it are what the queue looks jobs up by: which have work
 * left after a restart, and which finished long enough ago to be removed.
 */
export function jobsMigration(): Migration {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable('jobs')
        .addColumn('id', 'text', (col) => col.primaryKey())
        // '' for unauthenticated users (see UserKey); kept apart for erasure and inspection.
        .addColumn('namespace', 'text', (col) => col.notNull())
        .addColumn('user_id', 'text', (col) => col.notNull())
        .addColumn('status', 'text', (col) => col.notNull())
        // NULL without a callback_url, or before the job finished.
        .addColumn('delivery_state', 'text')
        // Unix milliseconds.
        .addColumn('created_at', 'bigint', (col) => col.notNull())
        .addColumn('finished_at', 'bigint')
        .addColumn('record', 'text', (col) => col.notNull())
        .execute();
      // Start-up reads the jobs with work left: unfinished ones (status queued or running) and finished ones whose
      // webhook is still pending. Both are few beside the finished jobs of the retention period, so each half of that
      // OR reads its own index (PostgreSQL: a BitmapOr; SQLite: its OR optimization) instead of the whole table.
      await db.schema.createIndex('jobs_status_created_at_idx').on('jobs').columns(['status', 'created_at']).execute();
      await db.schema.createIndex('jobs_delivery_state_idx').on('jobs').column('delivery_state').execute();
      // The retention sweep removes jobs finished before a cut-off.
      await db.schema.createIndex('jobs_finished_at_idx').on('jobs').column('finished_at').execute();
    },
  };
}
