import type { UserKey } from '../auth/user-key';

/** The right to run one turn of one user; release it when the turn is over. */
export interface TurnLease {
  release(): void;
  /**
   * Fires if the lease is lost before it is released (a shared lock whose
   * lease expired): the holder must stop, since another turn may start.
   * Absent where a lease cannot be lost (one process).
   */
  readonly lost?: AbortSignal;
}

/**
 * Serializes each user's turns: an upstream conversation takes one turn at a
 * time. Waiters are served in arrival order; different users run in parallel.
 * A waiter whose signal fires leaves the line without ever holding the lease.
 */
export abstract class TurnLock {
  abstract acquire(user: UserKey, signal?: AbortSignal): Promise<TurnLease>;
}
