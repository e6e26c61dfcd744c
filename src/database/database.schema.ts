import type { ColumnType, Generated } from 'kysely';

/**
 * A PostgreSQL bigint comes back as a string (it may exceed 2^53); SQLite's
 * integers come back as numbers. Written as numbers, read as either.
 */
type BigIntColumn = ColumnType<number | string, number, number>;

/** One logged exchange. The row id is the history cursor: it only grows, and orders a user's exchanges. */
export interface ExchangesTable {
  id: Generated<number | string>;
  /** '' for unauthenticated users (see UserKey). */
  namespace: string;
  user_id: string;
  user_text: string;
  bot_text: string;
  /** Unix seconds, milliseconds as the fraction, stored as the exact IEEE double the service used. */
  created_at: number;
  model: string | null;
  input_tokens: number | null;
  output_tokens: number | null;
  total_tokens: number | null;
}

/** user -> upstream conversation; one row per user. */
export interface ThreadsTable {
  namespace: string;
  user_id: string;
  mode: string;
  thread_id: string;
  /** Unix milliseconds. */
  created_at: BigIntColumn;
}

/** The in-process queue's background jobs; one row per job, the record as JSON text. */
export interface JobsTable {
  id: string;
  namespace: string;
  user_id: string;
  status: string;
  delivery_state: string | null;
  /** Unix milliseconds. */
  created_at: BigIntColumn;
  finished_at: ColumnType<number | string | null, number | null, number | null>;
  record: string;
}

export interface DatabaseSchema {
  exchanges: ExchangesTable;
  threads: ThreadsTable;
  jobs: JobsTable;
}
