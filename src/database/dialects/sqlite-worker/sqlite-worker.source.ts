/**
 * The SQLite worker thread's code, as CommonJS source run with `eval`: the same
 * text runs whether the service runs from dist/ or its TypeScript under Jest.
 * It opens the file (WAL, synchronous=FULL, a busy timeout; it answers with the
 * file's identity) and then runs one
 * statement per message, in order, answering each with its rows or its error.
 */
export const SQLITE_WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const { mkdirSync, statSync } = require('node:fs');
const { dirname } = require('node:path');
const Database = require(workerData.driverPath);

function failure(error) {
  return { message: String(error && error.message || error), code: error && typeof error.code === 'string' ? error.code : undefined };
}

let db;
try {
  mkdirSync(dirname(workerData.path), { recursive: true });
  db = new Database(workerData.path);
  const mode = db.pragma('journal_mode = WAL', { simple: true });
  if (mode !== 'wal') throw new Error(workerData.path + ': SQLite refused WAL mode (journal_mode is ' + String(mode) + ')');
  db.pragma('synchronous = FULL');
  db.pragma('busy_timeout = ' + workerData.busyTimeoutMs);
  const { dev, ino } = statSync(workerData.path);
  parentPort.postMessage({ id: 0, file: { dev, ino } });
} catch (error) {
  if (db) db.close();
  db = undefined;
  parentPort.postMessage({ id: 0, error: failure(error) });
}

parentPort.on('message', ({ id, sql, parameters }) => {
  if (sql === undefined) {
    if (db) db.close();
    db = undefined;
    parentPort.postMessage({ id });
    return;
  }
  try {
    const statement = db.prepare(sql);
    if (statement.reader) {
      parentPort.postMessage({ id, rows: statement.all(parameters) });
      return;
    }
    const { changes, lastInsertRowid } = statement.run(parameters);
    parentPort.postMessage({ id, rows: [], changes, lastInsertRowid: BigInt(lastInsertRowid) });
  } catch (error) {
    parentPort.postMessage({ id, error: failure(error) });
  }
});
`;
