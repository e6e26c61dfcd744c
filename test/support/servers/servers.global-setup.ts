import { ensureSystemBinaries, TEST_SERVER_BINARIES } from './debian-package.installer';
import { type PostgresCluster, startPostgresCluster } from './postgres.cluster';
import { PG_UNAVAILABLE_ENV, PG_URL_ENV } from './test-database.factory';

/** Where the global teardown finds the cluster to stop (Jest runs both in its main process). */
export const CLUSTER_KEY = Symbol.for('chat-backend.test-postgres-cluster');

/**
 * Once per Jest run, in Jest's main process, before any worker starts:
 * - installs the Debian packages of the servers the tests run. Here and not in test
 *   files, because workers run in parallel and dpkg takes a lock; CI machines start
 *   without these packages, so `npm test` must install them itself.
 * - starts one PostgreSQL cluster for the run, unless PG_TEST_URL names a server.
 * Neither failure aborts the run (most tests need no server): each test that needs
 * the missing piece fails with the reason instead.
 */
export default async function setupTestServers(): Promise<void> {
  try {
    const started = Date.now();
    const installed = ensureSystemBinaries(TEST_SERVER_BINARIES);
    if (installed.length > 0) {
      note(`installed ${installed.map((i) => i.pkg).join(', ')} with apt-get in ${Date.now() - started} ms`);
    }
  } catch (error) {
    note(`${(error as Error).message}\nThe tests that need these servers will fail.`);
  }

  delete process.env[PG_UNAVAILABLE_ENV];
  if (process.env[PG_URL_ENV]) return;
  try {
    const cluster = await startPostgresCluster();
    (globalThis as Record<symbol, PostgresCluster | undefined>)[CLUSTER_KEY] = cluster;
    // Workers start after this and inherit the environment.
    process.env[PG_URL_ENV] = cluster.url;
  } catch (error) {
    process.env[PG_UNAVAILABLE_ENV] = (error as Error).message;
    note(`no PostgreSQL for this run; the tests that need it will fail:\n${(error as Error).message}`);
  }
}

function note(message: string): void {
  process.stderr.write(`\n[test servers] ${message}\n`);
}
