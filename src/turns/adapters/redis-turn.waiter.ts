import { randomBytes } from 'node:crypto';
import { redisUnavailable } from '../../redis/redis-unavailable.error';
import type { TurnKeys } from './redis-turn.keys';
import type { TurnScripts } from './redis-turn.scripts';

/** What the client is told when the lock's Redis fails. */
export const TURN_LOCK_FEATURE = 'The turn lock';
/** Redis expires a key within a millisecond or so of its time; looking again this much later finds it gone. */
const EXPIRY_MARGIN_MS = 10;

export interface WaiterContext {
  scripts: TurnScripts;
  keys: TurnKeys;
  ttlMs: number;
  /** The waiter is done: granted, failed or abandoned. */
  settled: (waiter: TurnWaiter) => void;
}

/**
 * One acquire() in line. It looks at the lock when woken (a lease released,
 * a waiter gone), and on its own timer: at the lease's expiry (a holder that
 * died never sends a wake-up) and every third of the TTL at the latest, which
 * also keeps its place in line alive. Looks never overlap: a wake-up during
 * one makes it look once more right after.
 */
export class TurnWaiter {
  /** Random and never reused: only this waiter can hold, renew or release a lease with it. */
  readonly token = randomBytes(16).toString('base64url');
  /** Resolves with the monotonic time at which the look that won the lease was sent. */
  readonly granted: Promise<number>;
  private resolve!: (sentAt: number) => void;
  private reject!: (error: Error) => void;
  private state: 'starting' | 'idle' | 'looking' | 'done' = 'starting';
  /** Whether a look was sent: only then may there be a place in line to leave. */
  private looked = false;
  private again = false;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly context: WaiterContext) {
    this.granted = new Promise<number>((resolve, reject) => {
      this.resolve = resolve;
      this.reject = reject;
    });
    // Nobody may await it when abandoned at shutdown; the rejection is not unhandled for that.
    this.granted.catch(() => undefined);
  }

  get userId(): string {
    return this.context.keys.id;
  }

  /**
   * Looks once `subscribed` resolves (a release must not go unheard). Waiters
   * started in one order look in that order: that is their arrival order.
   */
  start(subscribed: Promise<void>): void {
    subscribed.then(
      () => {
        if (this.state === 'starting') void this.look();
      },
      (error: unknown) => this.abandon(redisUnavailable(TURN_LOCK_FEATURE, error)),
    );
  }

  wake(): void {
    if (this.state === 'done' || this.state === 'starting') return;
    if (this.state === 'looking') {
      this.again = true;
      return;
    }
    void this.look();
  }

  /** Leaves the line at once (the caller gave up, or the lock is closing), failing with `error`. */
  abandon(error: Error): void {
    if (this.state === 'done') return;
    this.finish();
    // Sent after any look in flight on the same connection, so it also returns a lease that look may win.
    if (this.looked) this.context.scripts.leave(this.context.keys, this.token).catch(() => undefined);
    this.reject(error);
  }

  private async look(): Promise<void> {
    this.state = 'looking';
    this.looked = true;
    clearTimeout(this.timer);
    const { scripts, keys, ttlMs } = this.context;
    const sentAt = performance.now();
    let reply;
    try {
      reply = await scripts.acquire(keys, this.token, ttlMs, ttlMs);
    } catch (error) {
      // The place in line (or a lease this look may have won) is cleaned up if Redis is back, else it expires.
      this.abandon(redisUnavailable(TURN_LOCK_FEATURE, error));
      return;
    }
    // Abandoned during the look: its leave() follows this look and undoes it.
    if (this.isDone()) return;
    if (reply.granted) {
      this.finish();
      this.resolve(sentAt);
      return;
    }
    this.state = 'idle';
    if (this.again) {
      this.again = false;
      void this.look();
      return;
    }
    const delay = Math.min(ttlMs / 3, reply.retryInMs + EXPIRY_MARGIN_MS);
    this.timer = setTimeout(() => this.wake(), delay);
    this.timer.unref();
  }

  private isDone(): boolean {
    return this.state === 'done';
  }

  private finish(): void {
    this.state = 'done';
    clearTimeout(this.timer);
    this.context.settled(this);
  }
}
