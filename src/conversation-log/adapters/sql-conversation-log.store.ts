import type { UserKey } from '../../auth/user-key';
import type { SqlExecutor } from '../../database/dialects/sql-dialect';
import type { SqlDatabase } from '../../database/sql-database';
import { ConversationLogStore, type Exchange, type HistoryPage, type HistoryQuery } from '../conversation-log.port';
import { EXCHANGE_COLUMNS, exchangeOf, exchangeRow } from './exchange-rows';
import { exchangeIdentity } from './log-file.format';

const WRITE_FAILED = 'The conversation log could not be written';
/** Rows per query of the export's walk: the memory it holds besides the current user's exchanges. */
const EXPORT_BATCH = 1000;
/** Rows (or values) per statement of an import, well under both dialects' limits on bound parameters. */
const IMPORT_BATCH = 500;

/**
 * The conversation log in a SQL table (SQLite or PostgreSQL, same queries). A
 * user's exchanges are ordered by row id, which is also the history cursor: a
 * page is an index range scan of (namespace, user_id, id) that reads only the
 * rows it returns, plus one to tell whether an older page exists.
 */
export class SqlConversationLogStore extends ConversationLogStore {
  constructor(private readonly database: SqlDatabase) {
    super();
  }

  async append(user: UserKey, exchange: Exchange): Promise<void> {
    await this.database.write(WRITE_FAILED, (db) => db.insertInto('exchanges').values(exchangeRow(user, exchange)).execute());
  }

  async page(user: UserKey, { limit, before }: HistoryQuery): Promise<HistoryPage> {
    const rows = await this.database.read((db) => {
      let query = ofUser(db, user).select(['id', ...EXCHANGE_COLUMNS]);
      if (before !== undefined) query = query.where('id', '<', before);
      return query.orderBy('id', 'desc').limit(limit + 1).execute();
    });
    const page = rows.slice(0, limit).reverse();
    return { exchanges: page.map(exchangeOf), nextBefore: rows.length > limit ? Number(page[0].id) : undefined };
  }

  async erase(user: UserKey): Promise<void> {
    await this.database.write(WRITE_FAILED, (db) =>
      db.deleteFrom('exchanges').where('namespace', '=', user.namespace).where('user_id', '=', user.userId).execute(),
    );
  }

  /** Walks the index in (namespace, user_id, id) order, a batch of rows per query, holding one user at a time. */
  async *users(): AsyncIterable<{ user: UserKey; exchanges: Exchange[] }> {
    let current: { user: UserKey; exchanges: Exchange[] } | undefined;
    let after: { namespace: string; userId: string; id: number } | undefined;
    for (;;) {
      const from = after;
      const rows = await this.database.read((db) => {
        let query = db.selectFrom('exchanges').select(['namespace', 'user_id', 'id', ...EXCHANGE_COLUMNS]);
        if (from !== undefined) {
          query = query.where((eb) => eb(eb.refTuple('namespace', 'user_id', 'id'), '>', eb.tuple(from.namespace, from.userId, from.id)));
        }
        return query.orderBy('namespace').orderBy('user_id').orderBy('id').limit(EXPORT_BATCH).execute();
      });
      for (const row of rows) {
        if (current?.user.namespace !== row.namespace || current.user.userId !== row.user_id) {
          if (current !== undefined) yield current;
          current = { user: { namespace: row.namespace, userId: row.user_id }, exchanges: [] };
        }
        current.exchanges.push(exchangeOf(row));
      }
      if (rows.length < EXPORT_BATCH) break;
      const last = rows[rows.length - 1];
      after = { namespace: last.namespace, userId: last.user_id, id: Number(last.id) };
    }
    if (current !== undefined) yield current;
  }

  /**
   * Adds what the user does not have, keeping row order = timestamp order: the
   * user's rows newer than the oldest added exchange are taken out and written
   * again after it (an import into an empty or older log only appends).
   */
  async importExchanges(user: UserKey, exchanges: readonly Exchange[]): Promise<number> {
    const candidates = distinct(exchanges);
    if (candidates.length === 0) return 0;
    return this.database.userTransaction(user, WRITE_FAILED, async (trx) => {
      const known = await knownIdentities(trx, user, candidates);
      const added = candidates.filter((exchange) => !known.has(exchangeIdentity(exchange)));
      if (added.length === 0) return 0;
      const oldest = added.reduce((min, exchange) => Math.min(min, exchange.timestamp), Infinity);
      // DELETE ... RETURNING: exactly the rows taken out come back, even if an append lands meanwhile.
      const newer = await trx
        .deleteFrom('exchanges')
        .where('namespace', '=', user.namespace)
        .where('user_id', '=', user.userId)
        .where('created_at', '>', oldest)
        .returning(['id', ...EXCHANGE_COLUMNS])
        .execute();
      newer.sort((a, b) => Number(a.id) - Number(b.id));
      const rows = [...newer.map(exchangeOf), ...added].sort((a, b) => a.timestamp - b.timestamp).map((exchange) => exchangeRow(user, exchange));
      for (let start = 0; start < rows.length; start += IMPORT_BATCH) {
        await trx.insertInto('exchanges').values(rows.slice(start, start + IMPORT_BATCH)).execute();
      }
      return added.length;
    });
  }

  checkHealth(): Promise<void> {
    return this.database.checkHealth();
  }

  flush(): Promise<void> {
    return this.database.flush();
  }
}

function ofUser(db: SqlExecutor, { namespace, userId }: UserKey) {
  return db.selectFrom('exchanges').where('namespace', '=', namespace).where('user_id', '=', userId);
}

/** The identities among `exchanges` that the user already has, looked up by timestamp a batch at a time. */
async function knownIdentities(trx: SqlExecutor, user: UserKey, exchanges: readonly Exchange[]): Promise<Set<string>> {
  const timestamps = [...new Set(exchanges.map((exchange) => exchange.timestamp))];
  const known = new Set<string>();
  for (let start = 0; start < timestamps.length; start += IMPORT_BATCH) {
    const rows = await ofUser(trx, user)
      .where('created_at', 'in', timestamps.slice(start, start + IMPORT_BATCH))
      .select(['user_text', 'bot_text', 'created_at'])
      .execute();
    for (const row of rows) known.add(exchangeIdentity({ user: row.user_text, bot: row.bot_text, timestamp: Number(row.created_at) }));
  }
  return known;
}

/** The exchanges without repeats, first occurrence kept, in their order. */
function distinct(exchanges: readonly Exchange[]): Exchange[] {
  const seen = new Set<string>();
  return exchanges.filter((exchange) => {
    const identity = exchangeIdentity(exchange);
    if (seen.has(identity)) return false;
    seen.add(identity);
    return true;
  });
}
