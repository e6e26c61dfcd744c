import { postChats } from '../lib/load';
import { type Running, startFake, startService } from '../lib/processes';
import type { SqlBenchServers, SqlKind } from '../lib/sql-target';

export interface SqlMemory {
  kind: SqlKind;
  users: number;
  exchanges: number;
  idleMb: number;
  /** Right after the last answer: V8's heap still at its high-water mark from the load. */
  peakMb: number;
  /** After a minute without requests, once V8's memory reducer has run: what the service holds. */
  afterMb: number;
  /** `afterMb` over `idleMb`. */
  ratio: number;
  seconds: number;
}

const CONCURRENCY = 64;
const IDLE_MS = 75000;

/**
 * The service (`node dist/main.js`) on a database: RSS at idle, then after
 * `users` users have each sent `perUser` messages over HTTP. A store that kept
 * the log in memory would grow with every exchange; this one should not.
 */
export async function measureSqlMemory(servers: SqlBenchServers, kind: SqlKind, users: number, perUser: number): Promise<SqlMemory> {
  const fake = await startFake(0);
  try {
    const service = await startService(fake.address, { DATABASE_URL: await servers.newDatabaseUrl(kind, 'memory') });
    try {
      await settle();
      const idleMb = service.rssMb();
      const started = Date.now();
      await send(service, users, users * perUser);
      const seconds = (Date.now() - started) / 1000;
      await settle();
      const peakMb = service.rssMb();
      // V8 keeps the heap it grew under load until its memory reducer runs, after some 30-60 s of quiet.
      await new Promise((resolve) => setTimeout(resolve, IDLE_MS));
      const afterMb = service.rssMb();
      return { kind, users, exchanges: users * perUser, idleMb, peakMb, afterMb, ratio: afterMb / idleMb, seconds };
    } finally {
      await service.stop();
    }
  } finally {
    await fake.stop();
  }
}

/** `total` messages, user n % users each, CONCURRENCY at a time; fails on anything but 200. */
function send(service: Running, users: number, total: number): Promise<void> {
  return postChats(service.address, total, CONCURRENCY, (n) => ({ user_id: `memory-user-${n % users}`, message: `message ${n} from user ${n % users}` }));
}

function settle(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 2000));
}
