import type { Insertable } from 'kysely';
import type { JobsTable } from '../../database/database.schema';
import type { SqlDatabase } from '../../database/sql-database';
import { StorageError, StorageErrorCode } from '../../persistence/errors/storage.error';
import type { JobRecord } from '../job';
import { JobStore } from '../job-store.port';
import { isJobRecord } from './job-record.guard';

const WRITE_FAILED = 'The job store could not be written';
const UNFINISHED = ['queued', 'running'];
const FINISHED = ['succeeded', 'failed'];

/**
 * Jobs in the `jobs` table of the configured database (DATABASE_URL, SQLite or
 * PostgreSQL), one row per job: the record whole as JSON text, and beside it the
 * columns the queue looks jobs up by (see migration 0002-jobs).
 */
export class SqlJobStore extends JobStore {
  /** Each job's latest put: the next put of that job waits for it (see `put`). */
  private readonly lastPuts = new Map<string, Promise<void>>();

  constructor(private readonly database: SqlDatabase) {
    super();
  }

  /**
   * Puts of one job reach the database in call order, so the last put wins as in
   * the JSON store; on a pool, two statements sent at once may otherwise commit in
   * either order. Only this process writes its jobs (the in-process queue runs
   * without REDIS_URL, one process), so ordering here is enough.
   */
  put(record: JobRecord): Promise<void> {
    const row = rowOf(record);
    const { id: _id, ...changes } = row;
    const previous = this.lastPuts.get(record.id) ?? Promise.resolve();
    const done = previous.then(async () => {
      await this.database.write(WRITE_FAILED, (db) =>
        db
          .insertInto('jobs')
          .values(row)
          .onConflict((conflict) => conflict.column('id').doUpdateSet(changes))
          .execute(),
      );
    });
    const settled = done.catch(() => undefined);
    this.lastPuts.set(record.id, settled);
    void settled.then(() => {
      if (this.lastPuts.get(record.id) === settled) this.lastPuts.delete(record.id);
    });
    return done;
  }

  async get(id: string): Promise<JobRecord | undefined> {
    const row = await this.database.read((db) => db.selectFrom('jobs').select('record').where('id', '=', id).executeTakeFirst());
    return row === undefined ? undefined : recordOf(row.record);
  }

  async unsettled(): Promise<JobRecord[]> {
    const rows = await this.database.read((db) =>
      db
        .selectFrom('jobs')
        .select('record')
        .where((eb) => eb.or([eb('status', 'in', UNFINISHED), eb('delivery_state', '=', 'pending')]))
        .orderBy('created_at')
        .orderBy('id')
        .execute(),
    );
    return rows.map((row) => recordOf(row.record));
  }

  async removeFinished(finishedBefore: number): Promise<number> {
    const result = await this.database.write(WRITE_FAILED, (db) =>
      db
        .deleteFrom('jobs')
        .where('status', 'in', FINISHED)
        .where('finished_at', '<', finishedBefore)
        .where((eb) => eb.or([eb('delivery_state', 'is', null), eb('delivery_state', '!=', 'pending')]))
        .executeTakeFirst(),
    );
    return Number(result.numDeletedRows);
  }

  checkHealth(): Promise<void> {
    return this.database.checkHealth();
  }

  /** Waits for puts still queued behind an earlier put of their job too: those have not reached the database yet. */
  async flush(): Promise<void> {
    while (this.lastPuts.size > 0) await Promise.all([...this.lastPuts.values()]);
    await this.database.flush();
  }
}

function rowOf(record: JobRecord): Insertable<JobsTable> {
  return {
    id: record.id,
    namespace: record.user.namespace,
    user_id: record.user.userId,
    status: record.status,
    delivery_state: record.delivery?.state ?? null,
    created_at: record.createdAt,
    finished_at: record.finishedAt ?? null,
    record: JSON.stringify(record),
  };
}

/** A row this version cannot run is a store fault, not an unknown job: say so rather than lose it silently. */
function recordOf(text: string): JobRecord {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    value = undefined;
  }
  if (!isJobRecord(value)) throw new StorageError(StorageErrorCode.UNAVAILABLE, 'The job store holds a job this version cannot read');
  return value;
}
