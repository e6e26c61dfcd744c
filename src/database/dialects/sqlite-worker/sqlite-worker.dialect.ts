import {
  CompiledQuery,
  type DatabaseConnection,
  type DatabaseIntrospector,
  type Dialect,
  type DialectAdapter,
  type Driver,
  type Kysely,
  type QueryCompiler,
  type QueryResult,
  SqliteAdapter,
  SqliteIntrospector,
  SqliteQueryCompiler,
} from 'kysely';
import { type FileIdentity, SqliteWorkerClient } from './sqlite-worker.client';

/** Kysely's SQLite dialect (its compiler, adapter and introspector) over a connection in a worker thread. */
export class SqliteWorkerDialect implements Dialect {
  constructor(
    private readonly path: string,
    private readonly busyTimeoutMs: number,
    private readonly onOpened: (file: FileIdentity) => void,
  ) {}

  createDriver(): Driver {
    return new SqliteWorkerDriver(this.path, this.busyTimeoutMs, this.onOpened);
  }

  createQueryCompiler(): QueryCompiler {
    return new SqliteQueryCompiler();
  }

  createAdapter(): DialectAdapter {
    return new SqliteAdapter();
  }

  createIntrospector(db: Kysely<unknown>): DatabaseIntrospector {
    return new SqliteIntrospector(db);
  }
}

/** SQLite has one connection: callers take turns on it, a transaction holding it from begin to commit. */
class SqliteWorkerDriver implements Driver {
  private client: SqliteWorkerClient | undefined;
  private connection: SqliteWorkerConnection | undefined;
  private line: Promise<void> = Promise.resolve();
  private releaseHeld: (() => void) | undefined;

  constructor(
    private readonly path: string,
    private readonly busyTimeoutMs: number,
    private readonly onOpened: (file: FileIdentity) => void,
  ) {}

  async init(): Promise<void> {
    this.client = new SqliteWorkerClient(this.path, this.busyTimeoutMs);
    this.connection = new SqliteWorkerConnection(this.client);
    try {
      this.onOpened(await this.client.opened);
    } catch (error) {
      await this.client.close();
      throw error;
    }
  }

  async acquireConnection(): Promise<DatabaseConnection> {
    const previous = this.line;
    let release: () => void = () => undefined;
    this.line = new Promise<void>((resolve) => (release = resolve));
    await previous;
    this.releaseHeld = release;
    return this.connection!;
  }

  releaseConnection(): Promise<void> {
    const release = this.releaseHeld;
    this.releaseHeld = undefined;
    release?.();
    return Promise.resolve();
  }

  async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('begin'));
  }

  async commitTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('commit'));
  }

  async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('rollback'));
  }

  async destroy(): Promise<void> {
    await this.client?.close();
  }
}

class SqliteWorkerConnection implements DatabaseConnection {
  constructor(private readonly client: SqliteWorkerClient) {}

  async executeQuery<R>({ sql, parameters }: CompiledQuery): Promise<QueryResult<R>> {
    const { rows, changes, lastInsertRowid } = await this.client.run(sql, parameters);
    if (changes === undefined) return { rows: rows as R[] };
    return { rows: rows as R[], numAffectedRows: BigInt(changes), insertId: lastInsertRowid };
  }

  // eslint-disable-next-line require-yield
  async *streamQuery<R>(): AsyncIterableIterator<QueryResult<R>> {
    throw new Error('The SQLite stores do not stream queries');
  }
}
