import { Worker } from 'node:worker_threads';
import { SQLITE_WORKER_SOURCE } from './sqlite-worker.source';

/** Which file was opened: a file deleted or replaced under an open connection takes writes into the void. */
export interface FileIdentity {
  dev: number;
  ino: number;
}

interface Reply {
  id: number;
  file?: FileIdentity;
  rows?: unknown[];
  changes?: number;
  lastInsertRowid?: bigint;
  error?: { message: string; code?: string };
}

export interface StatementResult {
  rows: unknown[];
  changes?: number;
  lastInsertRowid?: bigint;
}

/** What a statement fails with once the worker is gone: an I/O error, which the dialect counts as "unreachable" (503). */
const WORKER_GONE = 'SQLITE_IOERR_WORKER_GONE';

/**
 * One SQLite connection in a worker thread. better-sqlite3 is synchronous: on the
 * main thread every commit would stop the event loop for its fsync (and a busy
 * lock for up to the busy timeout), and with it every other request. Here the
 * main thread only posts statements and awaits their answers, in order.
 */
export class SqliteWorkerClient {
  private readonly worker: Worker;
  private readonly pending = new Map<number, { resolve: (reply: Reply) => void }>();
  private nextId = 1;
  private gone: Error | undefined;
  readonly opened: Promise<FileIdentity>;

  constructor(path: string, busyTimeoutMs: number) {
    this.worker = new Worker(SQLITE_WORKER_SOURCE, { eval: true, workerData: { path, busyTimeoutMs, driverPath: require.resolve('better-sqlite3') } });
    // Busy (opening the file now, or with statements in flight) the worker keeps the process alive; idle it does not,
    // so that it never holds a finished command-line tool open (see send and settle).
    this.opened = new Promise<FileIdentity>((resolve, reject) => {
      this.pending.set(0, {
        resolve: (reply) => (reply.error || reply.file === undefined ? reject(toError(reply.error ?? { message: 'the SQLite worker did not open the file' })) : resolve(reply.file)),
      });
    });
    // Nobody may be waiting yet; a failure to open is reported by the first statement.
    this.opened.catch(() => undefined);
    this.worker.on('message', (reply: Reply) => this.settle(reply));
    this.worker.on('error', (error) => this.fail(error));
    this.worker.on('exit', (code) => this.fail(new Error(`the SQLite worker thread exited with code ${code}`)));
  }

  async run(sql: string, parameters: readonly unknown[]): Promise<StatementResult> {
    await this.opened;
    const reply = await this.send({ sql, parameters });
    if (reply.error) throw toError(reply.error);
    return { rows: reply.rows ?? [], changes: reply.changes, lastInsertRowid: reply.lastInsertRowid };
  }

  async close(): Promise<void> {
    if (this.gone === undefined) {
      await this.opened.catch(() => undefined);
      await this.send({});
    }
    await this.worker.terminate();
  }

  private send(message: { sql?: string; parameters?: readonly unknown[] }): Promise<Reply> {
    if (this.gone !== undefined) return Promise.resolve({ id: -1, error: { message: this.gone.message, code: WORKER_GONE } });
    const id = this.nextId++;
    if (this.pending.size === 0) this.worker.ref();
    return new Promise<Reply>((resolve) => {
      this.pending.set(id, { resolve });
      this.worker.postMessage({ id, ...message });
    });
  }

  private settle(reply: Reply): void {
    const waiter = this.pending.get(reply.id);
    this.pending.delete(reply.id);
    if (this.pending.size === 0) this.worker.unref();
    waiter?.resolve(reply);
  }

  private fail(error: Error): void {
    this.gone ??= error;
    for (const [id, waiter] of this.pending) waiter.resolve({ id, error: { message: error.message, code: WORKER_GONE } });
    this.pending.clear();
  }
}

function toError({ message, code }: { message: string; code?: string }): Error {
  return Object.assign(new Error(message), code === undefined ? {} : { code });
}
