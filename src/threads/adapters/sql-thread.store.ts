import type { Selectable, WhereInterface } from 'kysely';
import type { UserKey } from '../../auth/user-key';
import type { AssistantMode } from '../../config/openai.config';
import type { DatabaseSchema, ThreadsTable } from '../../database/database.schema';
import type { SqlDatabase } from '../../database/sql-database';
import { type ThreadRecord, ThreadStore } from '../thread-store.port';

const WRITE_FAILED = 'The thread store could not be written';
const RECORD_COLUMNS = ['mode', 'thread_id', 'created_at'] as const;
/** A swap reads back the mapping that holds; if it is deleted in between, the swap tries again this often. */
const SWAP_ATTEMPTS = 3;

/**
 * user -> thread in a SQL table, one row per user (primary key namespace, user_id).
 * A swap is race-free across processes without a transaction: the database decides
 * which of two concurrent first mappings wins (INSERT ... ON CONFLICT DO NOTHING),
 * and a replacement applies only to the mapping the caller saw (UPDATE ... WHERE thread_id = expected).
 */
export class SqlThreadStore extends ThreadStore {
  constructor(private readonly database: SqlDatabase) {
    super();
  }

  async get(user: UserKey): Promise<ThreadRecord | undefined> {
    const row = await this.database.read((db) => ofUser(db.selectFrom('threads'), user).select(RECORD_COLUMNS).executeTakeFirst());
    return row === undefined ? undefined : recordOf(row);
  }

  swap(user: UserKey, expectedThreadId: string | undefined, record: ThreadRecord): Promise<ThreadRecord> {
    const values = { mode: record.mode, thread_id: record.threadId, created_at: record.createdAt };
    return this.database.write(WRITE_FAILED, async (db) => {
      for (let attempt = 1; attempt <= SWAP_ATTEMPTS; attempt += 1) {
        if (expectedThreadId !== undefined) {
          const replaced = await ofUser(db.updateTable('threads').set(values), user)
            .where('thread_id', '=', expectedThreadId)
            .returning(RECORD_COLUMNS)
            .executeTakeFirst();
          if (replaced !== undefined) return recordOf(replaced);
        }
        // A first mapping, or a replacement of one that was reset meanwhile: the empty slot takes it.
        const inserted = await db
          .insertInto('threads')
          .values({ namespace: user.namespace, user_id: user.userId, ...values })
          .onConflict((conflict) => conflict.columns(['namespace', 'user_id']).doNothing())
          .returning(RECORD_COLUMNS)
          .executeTakeFirst();
        if (inserted !== undefined) return recordOf(inserted);
        const holding = await ofUser(db.selectFrom('threads'), user).select(RECORD_COLUMNS).executeTakeFirst();
        if (holding !== undefined) return recordOf(holding);
      }
      throw new Error(`the mapping changed ${SWAP_ATTEMPTS} times while it was being swapped`);
    });
  }

  async delete(user: UserKey): Promise<ThreadRecord | undefined> {
    const row = await this.database.write(WRITE_FAILED, (db) => ofUser(db.deleteFrom('threads'), user).returning(RECORD_COLUMNS).executeTakeFirst());
    return row === undefined ? undefined : recordOf(row);
  }

  checkHealth(): Promise<void> {
    return this.database.checkHealth();
  }

  flush(): Promise<void> {
    return this.database.flush();
  }
}

/** Narrows any query on `threads` to one user's row. */
function ofUser<Q extends WhereInterface<DatabaseSchema, 'threads'>>(query: Q, { namespace, userId }: UserKey): Q {
  return query.where('namespace', '=', namespace).where('user_id', '=', userId) as Q;
}

function recordOf(row: Pick<Selectable<ThreadsTable>, (typeof RECORD_COLUMNS)[number]>): ThreadRecord {
  // A mode this version does not know simply never matches the current one: the registry starts a new conversation.
  return { threadId: row.thread_id, mode: row.mode as AssistantMode, createdAt: Number(row.created_at) };
}
