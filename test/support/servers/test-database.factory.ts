import { randomBytes } from 'node:crypto';
import { Client } from 'pg';

/** The admin URL of the PostgreSQL server the tests use: set by hand, or by the global setup's cluster. */
export const PG_URL_ENV = 'PG_TEST_URL';
/** Why the global setup has no PostgreSQL for this run. */
export const PG_UNAVAILABLE_ENV = 'PG_TEST_UNAVAILABLE';

export interface TestDatabase {
  name: string;
  url: string;
  /** Drops it, closing any connection still open to it. */
  drop(): Promise<void>;
}

/** A new, uniquely named database, so that suites in parallel workers never share one. */
export async function createTestDatabase(): Promise<TestDatabase> {
  const adminUrl = process.env[PG_URL_ENV];
  if (!adminUrl) {
    const why = process.env[PG_UNAVAILABLE_ENV] ?? `${PG_URL_ENV} is not set (test/support/servers/servers.global-setup.ts sets it)`;
    throw new Error(`PostgreSQL is unavailable for this test run: ${why}`);
  }
  const name = `test_${process.pid}_${randomBytes(4).toString('hex')}`;
  await asAdmin(adminUrl, `create database ${name}`);
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return {
    name,
    url: url.toString(),
    // "with (force)" needs PostgreSQL 13 or later.
    drop: () => asAdmin(adminUrl, `drop database if exists ${name} with (force)`),
  };
}

/** One statement on its own connection (CREATE/DROP DATABASE cannot run inside a pool's transaction). */
export async function asAdmin(adminUrl: string, sql: string): Promise<void> {
  const client = new Client({ connectionString: adminUrl });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}
