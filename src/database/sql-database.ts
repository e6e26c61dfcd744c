import { setTimeout as sleep } from 'node:timers/promises';
import { Logger } from '@nestjs/common';
import { Migrator } from 'kysely';
import type { UserKey } from '../auth/user-key';
import { StartupError } from '../common/errors/startup.error';
import type { DatabaseSettings } from '../config/stores.config';
import { StorageError, StorageErrorCode } from '../persistence/errors/storage.error';
import type { SqlDialect, SqlExecutor } from './dialects/sql-dialect';
import { migrationProvider } from './migrations/migration-list';

/** A readiness probe answers within this or counts as down: health must not hang on a database that does not answer. */
const HEALTH_TIMEOUT_MS = 2000;
const STARTUP_RETRY_MS = 500;

/**
 * The one database of a process, shared by the log store and the thread store:
 * its connection (or pool), start-up (wait for the server, then migrate under a
 * lock), health, and shutdown (wait for the writes in flight, then disconnect).
 * Every query goes through `read`, `write` or `userTransaction`, which turn driver
 * errors into the service's StorageError: a database that cannot be reached is
 * UNAVAILABLE, a write it refused is WRITE_FAILED; both answer 503 with Retry-After.
 */
export class SqlDatabase {
  private readonly logger = new Logger('Database');
  private readonly kysely: SqlExecutor;
  private readonly writes = new Set<Promise<unknown>>();
  private opening: Promise<void> | undefined;
  private probing: Promise<void> | undefined;

  constructor(
    readonly dialect: SqlDialect,
    private readonly settings: DatabaseSettings,
  ) {
    this.kysely = dialect.createKysely();
  }

  /** Waits for the server (up to DATABASE_STARTUP_WAIT_MS), then applies pending migrations. Idempotent. */
  open(): Promise<void> {
    this.opening ??= this.waitUntilReachable().then(() => this.migrate());
    return this.opening;
  }

  async close(): Promise<void> {
    await this.flush();
    await this.kysely.destroy();
  }

  read<T>(work: (db: SqlExecutor) => Promise<T>): Promise<T> {
    return work(this.kysely).catch((error: unknown) => {
      throw unavailable(error);
    });
  }

  /** `failure` is the client-safe message of a write the database refused. */
  write<T>(failure: string, work: (db: SqlExecutor) => Promise<T>): Promise<T> {
    return this.track(work(this.kysely).catch((error: unknown) => this.writeFailed(failure, error)));
  }

  /** A write transaction that no other process's transaction for the same user interleaves with. */
  userTransaction<T>(user: UserKey, failure: string, work: (trx: SqlExecutor) => Promise<T>): Promise<T> {
    return this.track(this.dialect.userTransaction(this.kysely, user, work).catch((error: unknown) => this.writeFailed(failure, error)));
  }

  /** One probe at a time, however many callers ask (both stores' health checks land here). */
  checkHealth(): Promise<void> {
    this.probing ??= this.probe().finally(() => (this.probing = undefined));
    return this.probing;
  }

  /** Settles once every write accepted so far has settled. */
  async flush(): Promise<void> {
    while (this.writes.size > 0) await Promise.allSettled([...this.writes]);
  }

  private track<T>(promise: Promise<T>): Promise<T> {
    this.writes.add(promise);
    const forget = (): void => void this.writes.delete(promise);
    promise.then(forget, forget);
    return promise;
  }

  private writeFailed(failure: string, error: unknown): never {
    if (this.dialect.isUnreachable(error)) throw unavailable(error);
    throw new StorageError(StorageErrorCode.WRITE_FAILED, failure, { cause: error });
  }

  private async probe(): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`the database did not answer within ${HEALTH_TIMEOUT_MS} ms`)), HEALTH_TIMEOUT_MS);
    });
    try {
      await Promise.race([this.dialect.probe(this.kysely), timeout]);
    } catch (error) {
      throw unavailable(error);
    } finally {
      clearTimeout(timer);
    }
  }

  private async waitUntilReachable(): Promise<void> {
    const { location } = this.dialect;
    const started = Date.now();
    for (let attempt = 1; ; attempt += 1) {
      try {
        await this.dialect.probe(this.kysely);
        if (attempt > 1) this.logger.log(`reached the database at ${location}`);
        return;
      } catch (error) {
        if (!this.dialect.isUnreachable(error)) throw new StartupError(`DATABASE_URL: the database at ${location} refused us: ${describe(error)}`);
        const waited = Date.now() - started;
        if (waited >= this.settings.startupWaitMs) {
          throw new StartupError(`DATABASE_URL: cannot reach the database at ${location} (${describe(error)}); gave up after ${seconds(waited)} s`);
        }
        if (attempt === 1) {
          this.logger.warn(`cannot reach the database at ${location} yet (${describe(error)}); trying for up to ${seconds(this.settings.startupWaitMs)} s`);
        }
        await sleep(STARTUP_RETRY_MS);
      }
    }
  }

  private async migrate(): Promise<void> {
    const { location, name } = this.dialect;
    const { error, results } = await this.dialect
      .withMigrationLock(this.kysely, (connection) => new Migrator({ db: connection, provider: migrationProvider(name) }).migrateToLatest())
      .catch((failure: unknown) => ({ error: failure, results: undefined }));
    for (const result of results ?? []) {
      if (result.status === 'Success') this.logger.log(`applied migration ${result.migrationName} to ${location}`);
    }
    if (error !== undefined) throw new StartupError(`DATABASE_URL: migrating the database at ${location} failed: ${describe(error)}`);
  }
}

function unavailable(error: unknown): StorageError {
  return new StorageError(StorageErrorCode.UNAVAILABLE, 'The database is unavailable', { cause: error });
}

function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const code = (error as { code?: unknown }).code;
  // Node's connect error for a host with several addresses is an AggregateError without a message.
  const message = error.message || (error instanceof AggregateError ? error.errors.map(describe).join('; ') : error.name);
  return typeof code === 'string' && !message.includes(code) ? `${message} [${code}]` : message;
}

function seconds(ms: number): string {
  return (ms / 1000).toFixed(1).replace(/\.0$/, '');
}
