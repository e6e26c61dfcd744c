import { Logger } from '@nestjs/common';
import Redis from 'ioredis';
import { ErrorCode } from '../../common/errors/error-code';
import { COMMAND_TIMEOUT_MS } from '../../redis/redis-client.options';
import { flushAll, RedisTurnLocks } from '../../../test/support/redis-turn-lock.fixture';
import { RedisServer } from '../../../test/support/servers/redis.server';
import { TurnLockHolder } from '../../../test/support/turn-lock-holder';
import { user } from '../../../test/support/turn-lock.suite';
import { waitFor } from '../../../test/support/wait-for';
import type { TurnLease } from '../turn-lock.port';
import { turnKeys } from './redis-turn.keys';

// What a network lock must do beyond the shared contract: keep the order of
// arrival across replicas, and survive dead holders and waiters, long turns,
// leases lost behind the holder's back, Redis restarts and outages.

const TTL_MS = 1000;
/** A fallback look happens this long after the lease's expiry at most (timers, a round trip, a loaded machine). */
const SLACK_MS = 400;

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Whether `promise` has settled, without waiting for it. */
async function settled(promise: Promise<unknown>): Promise<boolean> {
  const pending = Symbol('pending');
  return (await Promise.race([promise.then(() => true, () => true), Promise.resolve(pending)])) !== pending;
}

describe('RedisTurnLock as a network lock', () => {
  let server: RedisServer;
  let admin: Redis;
  let locks: RedisTurnLocks;
  const holders: TurnLockHolder[] = [];

  beforeAll(async () => {
    // The lock's warnings (lost leases, dropped connections) are what these tests cause on purpose.
    Logger.overrideLogger(false);
    server = await RedisServer.start();
    admin = new Redis(server.url, { maxRetriesPerRequest: 1 });
    admin.on('error', () => undefined); // restarts drop it on purpose
  });
  beforeEach(async () => {
    await flushAll(server.url);
    locks = new RedisTurnLocks(server.url, TTL_MS);
  });
  afterEach(async () => {
    await Promise.all(holders.splice(0).map((holder) => holder.kill()));
    await locks.closeAll();
  });
  afterAll(async () => {
    admin?.disconnect();
    await server?.stop();
  });

  it('frees the user within the TTL when the holder is killed with SIGKILL', async () => {
    const holder = TurnLockHolder.start(server.url, TTL_MS, 'alice');
    holders.push(holder);
    await holder.waitFor('held');
    const waiting = locks.open().acquire(user('alice'));
    // Longer than a TTL: only renewal keeps the lease, so the holder is really alive and holding.
    await sleep(TTL_MS + 200);
    expect(await settled(waiting)).toBe(false);

    await holder.kill();
    const killedAt = performance.now();
    const lease = await waiting;
    const waited = performance.now() - killedAt;
    expect(waited).toBeLessThan(TTL_MS + SLACK_MS);
    // Renewed every third of the TTL, it outlives its holder by at least two thirds of it: the expiry freed the user.
    expect(waited).toBeGreaterThan(TTL_MS / 2);
    lease.release();
  });

  it('skips a waiter killed with SIGKILL: its place in line expires within the TTL', async () => {
    const lock = locks.open();
    const first = await lock.acquire(user('alice'));
    const dead = TurnLockHolder.start(server.url, TTL_MS, 'alice');
    holders.push(dead);
    const { line } = turnKeys(user('alice'));
    await pollUntil(async () => (await admin.zcard(line)) === 1);
    const behindIt = lock.acquire(user('alice'));
    await pollUntil(async () => (await admin.zcard(line)) === 2);

    await dead.kill();
    const killedAt = performance.now();
    first.release();
    const lease = await behindIt;
    expect(performance.now() - killedAt).toBeLessThan(TTL_MS + SLACK_MS);
    expect(dead.holds).toBe(false);
    lease.release();
  });

  it('keeps the order of arrival across replicas, a live child process included', async () => {
    const [a, b] = [locks.open(), locks.open()];
    const { line } = turnKeys(user('alice'));
    const first = await a.acquire(user('alice'));
    const child = TurnLockHolder.start(server.url, TTL_MS, 'alice');
    holders.push(child);
    await pollUntil(async () => (await admin.zcard(line)) === 1);
    const order: string[] = [];
    const third = b.acquire(user('alice')).then((lease) => (order.push('b'), lease));
    await pollUntil(async () => (await admin.zcard(line)) === 2);
    const fourth = a.acquire(user('alice')).then((lease) => (order.push('a'), lease));
    await pollUntil(async () => (await admin.zcard(line)) === 3);

    first.release();
    await child.waitFor('held');
    await sleep(TTL_MS + 200); // the child holds on through renewals; nobody behind it may start
    expect(order).toEqual([]);
    await child.kill();
    (await third).release();
    (await fourth).release();
    expect(order).toEqual(['b', 'a']);
  });

  it('keeps the call order of one replica’s waiters, with or without a signal, with no pause between the calls', async () => {
    const lock = locks.open();
    const order: number[] = [];
    const runs = Array.from({ length: 8 }, (_, i) =>
      lock.acquire(user('alice'), i % 2 === 0 ? new AbortController().signal : undefined).then((lease) => {
        order.push(i);
        lease.release();
      }),
    );
    await Promise.all(runs);
    expect(order).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
  });

  it('renews the lease while a turn runs longer than the TTL', async () => {
    const [a, b] = [locks.open(), locks.open()];
    const long = await a.acquire(user('alice'));
    const next = b.acquire(user('alice'));
    await sleep(TTL_MS * 2.5);
    expect(await settled(next)).toBe(false);
    expect(long.lost?.aborted).toBe(false);
    expect(await admin.get(turnKeys(user('alice')).lease)).not.toBeNull();

    const releasedAt = performance.now();
    long.release();
    (await next).release();
    expect(performance.now() - releasedAt).toBeLessThan(SLACK_MS);
  });

  it('fires lost when the lease is deleted behind the holder’s back', async () => {
    const lease = await locks.open().acquire(user('alice'));
    await admin.del(turnKeys(user('alice')).lease);
    const deletedAt = performance.now();
    await untilLost(lease, TTL_MS);
    // Found by the next renewal, a third of the TTL later at most.
    expect(performance.now() - deletedAt).toBeLessThan(TTL_MS / 3 + SLACK_MS);
    expect((lease.lost?.reason as Error).message).toMatch(/expired or was taken over/);
    lease.release();
  });

  it('fires lost when the lease is taken over after expiring, and the late release leaves the new holder alone', async () => {
    const lock = locks.open();
    const stale = await lock.acquire(user('alice'));
    // Another token holds the lease now, as if the holder had stalled past the TTL and someone else came in.
    await admin.set(turnKeys(user('alice')).lease, 'someone-else', 'PX', 10_000);
    await untilLost(stale, TTL_MS);
    stale.release();
    await locks.settle();
    expect(await admin.get(turnKeys(user('alice')).lease)).toBe('someone-else');
  });

  it('fires lost when Redis restarts empty, and works again afterwards without a new connection', async () => {
    const [a, b] = [locks.open(), locks.open()];
    const before = await a.acquire(user('alice'));
    await server.restart();
    await untilLost(before, TTL_MS + SLACK_MS);
    before.release();

    const holding = await a.acquire(user('bob'));
    const next = b.acquire(user('bob'));
    await locks.settle();
    expect(await settled(next)).toBe(false);
    const releasedAt = performance.now();
    holding.release();
    (await next).release();
    // Woken by pub/sub on the renewed subscription, not by a fallback look.
    expect(performance.now() - releasedAt).toBeLessThan(SLACK_MS);
  });

  it('wakes a waiter on another replica promptly, far sooner than any fallback look', async () => {
    const ttlMs = 30000; // fallback looks at ttl/3 = 10 s at the earliest
    const [a, b] = [locks.open(ttlMs), locks.open(ttlMs)];
    for (let round = 0; round < 5; round += 1) {
      const holding = await a.acquire(user('alice'));
      const next = b.acquire(user('alice'));
      await locks.settle();
      const releasedAt = performance.now();
      holding.release();
      (await next).release();
      expect(performance.now() - releasedAt).toBeLessThan(250);
    }
  });

  it('rejects with STORE_UNAVAILABLE within the command timeout while Redis is down, and recovers when it is back', async () => {
    const lock = locks.open();
    const holding = await lock.acquire(user('bob'));
    const inLine = lock.acquire(user('bob'));
    await locks.settle();
    await server.kill();
    try {
      const killedAt = performance.now();
      await expect(lock.acquire(user('carol'))).rejects.toMatchObject({ code: ErrorCode.STORE_UNAVAILABLE, details: { retryAfterSeconds: 5 } });
      expect(performance.now() - killedAt).toBeLessThan(COMMAND_TIMEOUT_MS + SLACK_MS);
      // A waiter already in line is told too, rather than left waiting for a lease nobody can release.
      await expect(inLine).rejects.toMatchObject({ code: ErrorCode.STORE_UNAVAILABLE });
      expect(performance.now() - killedAt).toBeLessThan(COMMAND_TIMEOUT_MS + SLACK_MS);
      holding.release();
    } finally {
      await server.restart();
    }
    const lease = await retryUntilGranted(() => lock.acquire(user('carol')));
    lease.release();
  });

  it('keeps users whose ids and namespaces contain ":" apart', async () => {
    const pairs = [user('a:b', 'key'), user('b', 'key:a'), user('key:a:b'), user('a', 'key:b')];
    expect(new Set(pairs.map((key) => turnKeys(key).lease)).size).toBe(pairs.length);
    const lock = locks.open();
    const leases: TurnLease[] = [];
    for (const key of pairs) leases.push(await lock.acquire(key));
    for (const lease of leases) lease.release();
  });

  it('leaves the line when the lock closes at shutdown, failing its waiters with STORE_UNAVAILABLE', async () => {
    const [a, b] = [locks.open(), locks.open()];
    const holding = await a.acquire(user('alice'));
    const waiting = b.acquire(user('alice'));
    const { line } = turnKeys(user('alice'));
    await pollUntil(async () => (await admin.zcard(line)) === 1);
    b.onModuleDestroy();
    await expect(waiting).rejects.toMatchObject({ code: ErrorCode.STORE_UNAVAILABLE });
    await pollUntil(async () => (await admin.zcard(line)) === 0);
    holding.release();
  });

  /** Polls Redis until `condition` holds; fails after `timeoutMs`. */
  async function pollUntil(condition: () => Promise<boolean>, timeoutMs = 15000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!(await condition())) {
      if (Date.now() > deadline) throw new Error('pollUntil: condition not met in time');
      await sleep(10);
    }
  }
});

async function untilLost(lease: TurnLease, timeoutMs: number): Promise<void> {
  await waitFor(() => lease.lost?.aborted === true, timeoutMs);
}

/** Right after a restart the first attempts may still fail with STORE_UNAVAILABLE; a client retries after Retry-After. */
async function retryUntilGranted(acquire: () => Promise<TurnLease>, timeoutMs = 10000): Promise<TurnLease> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await acquire();
    } catch (error) {
      if ((error as { code?: string }).code !== ErrorCode.STORE_UNAVAILABLE || Date.now() > deadline) throw error;
      await sleep(100);
    }
  }
}
