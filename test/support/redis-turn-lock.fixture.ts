import Redis from 'ioredis';
import { RedisConnection } from '../../src/redis/redis.connection';
import { RedisTurnLock } from '../../src/turns/adapters/redis-turn.lock';
import type { TurnLockFixture } from './turn-lock.suite';

/** Redis turn locks on one server, each on its own connections, as replicas have. */
export class RedisTurnLocks {
  private readonly opened: { connection: RedisConnection; lock: RedisTurnLock }[] = [];

  constructor(
    private readonly url: string,
    private readonly ttlMs: number,
  ) {}

  /** A lock on connections of its own: another replica. */
  open(ttlMs = this.ttlMs): RedisTurnLock {
    const connection = new RedisConnection({ mode: 'redis', url: this.url, target: 'test', turnLockTtlMs: ttlMs });
    const lock = new RedisTurnLock(connection, ttlMs);
    this.opened.push({ connection, lock });
    return lock;
  }

  /**
   * A few round trips on every lock's connection, with a pause for pub/sub
   * deliveries: whatever the locks would do by themselves has happened by then.
   */
  async settle(): Promise<void> {
    await new Promise((resolve) => setTimeout(resolve, 25));
    for (let round = 0; round < 3; round += 1) {
      await Promise.all(this.opened.map(({ connection }) => connection.commands.ping().catch(() => undefined)));
      await new Promise((resolve) => setImmediate(resolve));
    }
  }

  async closeAll(): Promise<void> {
    for (const { lock } of this.opened) lock.onModuleDestroy();
    await Promise.all(this.opened.map(({ connection }) => connection.close()));
    this.opened.length = 0;
  }

  /** The fixture of the shared TurnLock suite, on an emptied server. */
  static async fixture(url: string, ttlMs: number): Promise<TurnLockFixture> {
    await flushAll(url);
    const locks = new RedisTurnLocks(url, ttlMs);
    return { lock: locks.open(), sibling: async () => locks.open(), settle: () => locks.settle(), cleanup: () => locks.closeAll() };
  }
}

export async function flushAll(url: string): Promise<void> {
  const admin = new Redis(url, { maxRetriesPerRequest: 1 });
  try {
    await admin.flushall();
  } finally {
    admin.disconnect();
  }
}
