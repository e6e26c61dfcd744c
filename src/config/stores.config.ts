import { resolve } from 'node:path';
import { registerAs } from '@nestjs/config';
import { parseDatabaseUrl } from './database-url';
import type { EnvReader } from './env-reader';
import { parseNamespace } from './read-namespace';

/** The seed's JSON files: one process only. */
export interface JsonStoresConfig {
  kind: 'json';
  /** Absolute path of the conversation log. */
  conversationLogPath: string;
  /** Absolute path of the user -> thread map. */
  threadStorePath: string;
  /** Absolute path of the background jobs' file (the in-process queue's state). */
  jobStorePath: string;
}

/** Limits every database connection honours. */
export interface DatabaseSettings {
  /** How long start-up keeps trying to reach the database before it gives up. */
  startupWaitMs: number;
  /** The longest one statement may run (PostgreSQL's statement_timeout). */
  statementTimeoutMs: number;
}

/** An embedded SQLite file: one process only. */
export interface SqliteStoresConfig {
  kind: 'sqlite';
  /** Absolute path of the database file. */
  path: string;
  database: DatabaseSettings;
}

export interface PoolSettings {
  /** Connections one process opens at most. */
  max: number;
  /** How long a query waits for a connection (to open one, or for a busy pool to free one). */
  connectionTimeoutMs: number;
  /** An unused connection is closed after this long. */
  idleTimeoutMs: number;
}

/** A PostgreSQL server, shared by any number of replicas. */
export interface PostgresStoresConfig {
  kind: 'postgres';
  /** The connection string; holds the password: never log it. */
  url: string;
  /** The URL without password or query, for messages. */
  displayUrl: string;
  database: DatabaseSettings;
  pool: PoolSettings;
}

export type SqlStoresConfig = SqliteStoresConfig | PostgresStoresConfig;
export type StoresConfig = JsonStoresConfig | SqlStoresConfig;

export function parseStoresConfig(env: EnvReader): StoresConfig {
  const database = parseDatabaseUrl(env);
  switch (database.kind) {
    case 'none':
      return parseJsonStores(env);
    case 'sqlite':
      return { kind: 'sqlite', path: database.path, database: parseDatabaseSettings(env) };
    case 'postgres':
      return { kind: 'postgres', url: database.url, displayUrl: database.displayUrl, database: parseDatabaseSettings(env), pool: parsePool(env) };
  }
}

function parseJsonStores(env: EnvReader): JsonStoresConfig {
  const conversationLogPath = resolve(env.string('CONVERSATION_LOG_PATH', './conversations.json'));
  const threadStorePath = resolve(env.string('THREAD_STORE_PATH', './threads.json'));
  const jobStorePath = resolve(env.string('JOB_STORE_PATH', './jobs.json'));
  if (conversationLogPath === threadStorePath) {
    env.problem('THREAD_STORE_PATH', 'must not be the same file as CONVERSATION_LOG_PATH');
  }
  if (jobStorePath === conversationLogPath || jobStorePath === threadStorePath) {
    env.problem('JOB_STORE_PATH', 'must not be the same file as CONVERSATION_LOG_PATH or THREAD_STORE_PATH');
  }
  return { kind: 'json', conversationLogPath, threadStorePath, jobStorePath };
}

function parseDatabaseSettings(env: EnvReader): DatabaseSettings {
  return {
    // Long enough for a database container that starts beside the service; short enough to fail a broken deployment fast.
    startupWaitMs: env.integer('DATABASE_STARTUP_WAIT_MS', 10000, { min: 0, max: 600_000 }),
    // Every query here touches a handful of rows by index: one that runs for seconds is stuck, not busy.
    statementTimeoutMs: env.integer('DATABASE_STATEMENT_TIMEOUT_MS', 10000, { min: 100, max: 600_000 }),
  };
}

function parsePool(env: EnvReader): PoolSettings {
  return {
    // Each query holds a connection for a millisecond or two; ten serve hundreds of turns a second per replica
    // and keep N replicas well under PostgreSQL's default max_connections of 100.
    max: env.integer('DATABASE_POOL_MAX', 10, { min: 1, max: 1000 }),
    // A chat turn should fail with 503 soon rather than hang when the database is down or the pool is exhausted.
    connectionTimeoutMs: env.integer('DATABASE_CONNECT_TIMEOUT_MS', 5000, { min: 100, max: 600_000 }),
    idleTimeoutMs: 30000,
  };
}

export const storesConfig = registerAs('stores', () => parseNamespace(process.env, parseStoresConfig));
