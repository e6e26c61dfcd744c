import type { Insertable } from 'kysely';
import type { ExchangesTable } from '../../src/database/database.schema';
import type { SqlDatabase } from '../../src/database/sql-database';

/** Rows per INSERT: 1 000 × 10 bound values, under SQLite's 32 766 and PostgreSQL's 65 535. */
const ROWS_PER_STATEMENT = 1000;
/** Statements per transaction: big commits, as a bulk loader makes, not one fsync per row. */
const STATEMENTS_PER_TRANSACTION = 50;

const BOT_TEXT =
  'Here is an answer of a typical length: a few sentences that restate the question, give the facts the user asked for, ' +
  'add a caveat or two, and end with an offer to help further. It is long enough that rows are not unrealistically small.';

/** The seeded log's users at a given size: about a hundred exchanges each, interleaved in time as real traffic is. */
export function usersFor(size: number): number {
  return Math.max(1, Math.round(size / 100));
}

export function seedUserId(n: number): string {
  return `seed-user-${n}`;
}

/** Row `i` of the synthetic log: its user cycles through `users`, its timestamp grows by 1 ms per row. */
function row(i: number, users: number): Insertable<ExchangesTable> {
  return {
    namespace: '',
    user_id: seedUserId(i % users),
    user_text: `Question ${i}: what is the weather like in city ${i % 977} this week, and should I bring an umbrella?`,
    bot_text: `${BOT_TEXT} (#${i})`,
    created_at: 1_600_000_000 + i / 1000,
    model: 'gpt-5-mini',
    input_tokens: 40 + (i % 50),
    output_tokens: 80 + (i % 70),
    total_tokens: 120 + (i % 50) + (i % 70),
  };
}

/**
 * The bulk loader: rows [from, to) in multi-row INSERTs, many per transaction,
 * straight into the table (not through HTTP, not one commit per row).
 */
export async function seedRows(database: SqlDatabase, from: number, to: number, users: number, progress: (done: number) => void): Promise<void> {
  const perTransaction = ROWS_PER_STATEMENT * STATEMENTS_PER_TRANSACTION;
  for (let start = from; start < to; start += perTransaction) {
    const end = Math.min(to, start + perTransaction);
    await database.write('seed', (db) =>
      db.transaction().execute(async (trx) => {
        for (let batch = start; batch < end; batch += ROWS_PER_STATEMENT) {
          const rows = Array.from({ length: Math.min(ROWS_PER_STATEMENT, end - batch) }, (_, k) => row(batch + k, users));
          await trx.insertInto('exchanges').values(rows).execute();
        }
      }),
    );
    progress(end);
  }
}
