import { type PostgresCluster } from './postgres.cluster';
import { CLUSTER_KEY } from './servers.global-setup';
import { PG_URL_ENV } from './test-database.factory';

/** Stops the run's PostgreSQL cluster, if the global setup started one, and removes its directory. */
export default async function teardownTestServers(): Promise<void> {
  const slot = globalThis as Record<symbol, PostgresCluster | undefined>;
  const cluster = slot[CLUSTER_KEY];
  if (!cluster) return;
  slot[CLUSTER_KEY] = undefined;
  // In watch mode the next run's setup must not mistake this URL for a server given by hand.
  delete process.env[PG_URL_ENV];
  await cluster.stop();
}
