import type { TurnLease } from '../turn-lock.port';
import type { TurnKeys } from './redis-turn.keys';
import type { TurnScripts } from './redis-turn.scripts';

export interface LeaseContext {
  scripts: TurnScripts;
  keys: TurnKeys;
  ttlMs: number;
  /** The lease is released or stopped: it no longer belongs to the lock. */
  ended: (lease: RedisTurnLease) => void;
  /** The release reached Redis: waiters here need not wait for the pub/sub message. */
  released: (lease: RedisTurnLease) => void;
  warn: (message: string) => void;
}

/**
 * A held lease, renewed every third of the TTL while the turn runs. `lost`
 * fires when a renewal finds the lease gone or someone else's (it expired
 * while this process stalled, it was deleted, Redis restarted empty), or
 * when no renewal has succeeded for a whole TTL (Redis unreachable), since
 * then it may have expired and another turn may have started.
 */
export class RedisTurnLease implements TurnLease {
  private readonly lostController = new AbortController();
  readonly lost = this.lostController.signal;
  private readonly timer: NodeJS.Timeout;
  /** Fires when the lease may have expired for want of a renewal. */
  private deadline: NodeJS.Timeout | undefined;
  private renewing = false;
  private ended = false;

  constructor(
    private readonly context: LeaseContext,
    readonly token: string,
    /** Monotonic time when the command that last set the lease's expiry was sent: it expires no later than this plus the TTL. */
    private confirmedAt: number,
  ) {
    this.timer = setInterval(() => void this.renew(), context.ttlMs / 3);
    this.timer.unref();
    this.armDeadline();
  }

  get userId(): string {
    return this.context.keys.id;
  }

  release(): void {
    if (this.ended) return;
    this.end();
    const { scripts, keys } = this.context;
    scripts.release(keys, this.token).then(
      () => this.context.released(this),
      // It expires by itself within the TTL.
      (error: unknown) => this.context.warn(`could not release a turn lease: ${(error as Error)?.message ?? 'error'}`),
    );
  }

  /** Stops renewing without releasing: at shutdown a turn may still run, so the lease is left to expire. */
  stop(): void {
    if (!this.ended) this.end();
  }

  private async renew(): Promise<void> {
    // A renewal still in flight is bounded by the command timeout; the deadline timer runs meanwhile.
    if (this.ended || this.lost.aborted || this.renewing) return;
    this.renewing = true;
    const sentAt = performance.now();
    try {
      const { scripts, keys, ttlMs } = this.context;
      if (await scripts.renew(keys, this.token, ttlMs)) {
        this.confirmedAt = sentAt;
        this.armDeadline();
      } else if (!this.ended) this.lose('it expired or was taken over');
    } catch {
      // Redis is unreachable; the next tick tries again until the deadline.
    } finally {
      this.renewing = false;
    }
  }

  private lose(reason: string): void {
    if (this.lost.aborted) return;
    this.stopTimers();
    this.context.warn(`a turn lease was lost while its turn ran: ${reason}`);
    this.lostController.abort(new Error(`The turn lease was lost: ${reason}`));
  }

  private armDeadline(): void {
    if (this.ended || this.lost.aborted) return;
    clearTimeout(this.deadline);
    const remaining = Math.max(0, this.confirmedAt + this.context.ttlMs - performance.now());
    this.deadline = setTimeout(() => this.lose('it could not be renewed within its TTL'), remaining);
    this.deadline.unref();
  }

  private stopTimers(): void {
    clearInterval(this.timer);
    clearTimeout(this.deadline);
  }

  private end(): void {
    this.ended = true;
    this.stopTimers();
    this.context.ended(this);
  }
}
