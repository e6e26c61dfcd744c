import { Logger, type OnModuleDestroy } from '@nestjs/common';
import { abortedError } from '../../assistant/errors/assistant.error';
import type { UserKey } from '../../auth/user-key';
import type { RedisChannelListener } from '../../redis/redis-channel.listener';
import type { RedisConnection } from '../../redis/redis.connection';
import { redisUnavailable } from '../../redis/redis-unavailable.error';
import { type TurnLease, TurnLock } from '../turn-lock.port';
import { TURN_WAKE_CHANNEL, turnKeys } from './redis-turn.keys';
import { RedisTurnLease } from './redis-turn.lease';
import { TurnScripts } from './redis-turn.scripts';
import { TURN_LOCK_FEATURE, TurnWaiter } from './redis-turn.waiter';

/**
 * The turn lock shared by every replica: a lease per user in Redis, held
 * under a random token that alone can renew or release it, renewed while the
 * turn runs, expiring within the TTL when its holder dies. Waiters stand in
 * a line in Redis (arrival order) and are woken by pub/sub when the lease is
 * released. See docs/replicas.md for what exactly is guaranteed.
 */
export class RedisTurnLock extends TurnLock implements OnModuleDestroy {
  private readonly logger = new Logger(RedisTurnLock.name);
  private readonly scripts: TurnScripts;
  private readonly wakeups: RedisChannelListener;
  /** This process's waiters by user (`TurnKeys.id`). */
  private readonly waiting = new Map<string, Set<TurnWaiter>>();
  private readonly holding = new Set<RedisTurnLease>();
  private closed = false;

  constructor(
    redis: RedisConnection,
    private readonly ttlMs: number,
  ) {
    super();
    this.scripts = new TurnScripts(redis.commands);
    this.wakeups = redis.listen(TURN_WAKE_CHANNEL, {
      message: (userId) => this.wake(userId),
      // Waiters look at once: they keep their place through a blip, or fail within the command timeout if Redis is gone.
      interrupted: () => this.wakeEveryone(),
      resubscribed: () => this.wakeEveryone(),
    });
  }

  async acquire(user: UserKey, signal?: AbortSignal): Promise<TurnLease> {
    if (signal?.aborted) throw abortedError();
    if (this.closed) throw redisUnavailable(TURN_LOCK_FEATURE, new Error('the service is shutting down'));
    const keys = turnKeys(user);
    const waiter = new TurnWaiter({ scripts: this.scripts, keys, ttlMs: this.ttlMs, settled: (done) => this.forget(done) });
    const mine = this.waiting.get(keys.id) ?? new Set<TurnWaiter>();
    this.waiting.set(keys.id, mine.add(waiter));
    const onAbort = (): void => waiter.abandon(abortedError());
    signal?.addEventListener('abort', onAbort, { once: true });
    // Waiting for the subscription is bounded by the command timeout; Redis down makes it STORE_UNAVAILABLE.
    waiter.start(this.wakeups.ready());
    try {
      const sentAt = await waiter.granted;
      const lease = new RedisTurnLease(
        {
          scripts: this.scripts,
          keys,
          ttlMs: this.ttlMs,
          ended: (ended) => this.holding.delete(ended),
          released: (released) => this.wake(released.userId),
          warn: (message) => this.logger.warn(message),
        },
        waiter.token,
        sentAt,
      );
      this.holding.add(lease);
      return lease;
    } finally {
      signal?.removeEventListener('abort', onAbort);
    }
  }

  /** Waiters leave the line; leases stop renewing and expire, since their turns may still run. */
  onModuleDestroy(): void {
    this.closed = true;
    this.wakeups.close();
    const shuttingDown = redisUnavailable(TURN_LOCK_FEATURE, new Error('the service is shutting down'));
    for (const waiters of [...this.waiting.values()]) for (const waiter of [...waiters]) waiter.abandon(shuttingDown);
    for (const lease of [...this.holding]) lease.stop();
  }

  private wake(userId: string): void {
    for (const waiter of this.waiting.get(userId) ?? []) waiter.wake();
  }

  private wakeEveryone(): void {
    for (const waiters of this.waiting.values()) for (const waiter of waiters) waiter.wake();
  }

  private forget(waiter: TurnWaiter): void {
    const mine = this.waiting.get(waiter.userId);
    mine?.delete(waiter);
    if (mine?.size === 0) this.waiting.delete(waiter.userId);
  }
}
