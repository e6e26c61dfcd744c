import Database from 'better-sqlite3';
import { Client } from 'pg';
import type { SqlStoresConfig } from '../../src/config/stores.config';

/**
 * Makes the database itself refuse every insert into `table`, as a full disk or a
 * broken constraint would: a write failure the store must report, not swallow.
 * Resolves to a function that lifts the refusal. Raw SQL on the test's own
 * connection: this is the test poking the database, not the service.
 */
export async function refuseInserts(config: SqlStoresConfig, table: 'exchanges' | 'threads' | 'jobs'): Promise<() => Promise<void>> {
  const trigger = `refuse_${table}`;
  if (config.kind === 'sqlite') {
    await sqlite(config.path, `create trigger ${trigger} before insert on ${table} begin select raise(abort, 'refused by the test'); end`);
    return () => sqlite(config.path, `drop trigger ${trigger}`);
  }
  await postgres(
    config.url,
    `create or replace function refuse_insert() returns trigger language plpgsql as $$ begin raise exception 'refused by the test'; end $$`,
    `create trigger ${trigger} before insert on ${table} for each row execute function refuse_insert()`,
  );
  return () => postgres(config.url, `drop trigger ${trigger} on ${table}`);
}

function sqlite(path: string, statement: string): Promise<void> {
  const db = new Database(path);
  try {
    db.exec(statement);
  } finally {
    db.close();
  }
  return Promise.resolve();
}

async function postgres(url: string, ...statements: string[]): Promise<void> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    for (const statement of statements) await client.query(statement);
  } finally {
    await client.end();
  }
}
