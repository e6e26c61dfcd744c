import { Inject, Injectable } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { InjectThrottlerStorage, type ThrottlerStorage } from '@nestjs/throttler';
import { throttleConfig } from '../config/throttle.config';

const THROTTLER_NAME = 'auth-refused';
/** Addresses over their budget are remembered here; past this many, the expired ones are swept out. */
const SWEEP_ABOVE = 1000;

/**
 * The per-IP budget of requests refused with 401: THROTTLE_LIMIT per
 * THROTTLE_TTL_MS, as for an unauthenticated client. Once an address has
 * spent it, its requests are refused with 429 *before* their credentials are
 * checked: refusing only the wrong guesses would still let a right one through.
 *
 * The count lives in the throttler's storage (shared by replicas once that is
 * Redis). That storage can only increment, not peek, so each process keeps the
 * addresses it has seen go over the budget until their block ends; another
 * replica learns of the block from the next refusal it counts itself.
 */
@Injectable()
export class RefusalBudget {
  private readonly blockedUntil = new Map<string, number>();

  constructor(
    @InjectThrottlerStorage() private readonly storage: ThrottlerStorage,
    @Inject(throttleConfig.KEY) private readonly throttle: ConfigType<typeof throttleConfig>,
  ) {}

  /** Seconds until `address` may try again, or undefined while it has budget left. */
  retryAfterSeconds(address: string, now = Date.now()): number | undefined {
    const until = this.blockedUntil.get(address);
    if (until === undefined) return undefined;
    if (until <= now) {
      this.blockedUntil.delete(address);
      return undefined;
    }
    return Math.ceil((until - now) / 1000);
  }

  /** Counts one refusal of `address`; the one that spends the last of the budget blocks it. */
  async spend(address: string): Promise<void> {
    const { ttlMs, limit } = this.throttle;
    // limit - 1: the storage blocks on the hit *over* its limit, and the limit-th refusal is the last one allowed.
    const record = await this.storage.increment(`${THROTTLER_NAME}:${address}`, ttlMs, limit - 1, ttlMs, THROTTLER_NAME);
    if (!record.isBlocked) return;
    const now = Date.now();
    this.blockedUntil.set(address, now + Math.min(record.timeToBlockExpire * 1000, ttlMs));
    if (this.blockedUntil.size > SWEEP_ABOVE) {
      for (const [blocked, until] of this.blockedUntil) if (until <= now) this.blockedUntil.delete(blocked);
    }
  }
}
