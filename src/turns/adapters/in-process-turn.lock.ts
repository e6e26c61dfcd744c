import { Injectable } from '@nestjs/common';
import { abortedError } from '../../assistant/errors/assistant.error';
import { type UserKey, userKeyString } from '../../auth/user-key';
import { type TurnLease, TurnLock } from '../turn-lock.port';

/**
 * The turn lock of a single process: a promise chain per user. A request whose
 * caller gives up while waiting leaves the line without running, and never
 * makes the user look idle while a turn ahead still runs.
 */
@Injectable()
export class InProcessTurnLock extends TurnLock {
  private readonly tails = new Map<string, Promise<void>>();

  async acquire(user: UserKey, signal?: AbortSignal): Promise<TurnLease> {
    const key = userKeyString(user);
    const waiting = this.tails.get(key);
    const ahead = waiting ?? Promise.resolve();
    let release!: () => void;
    const mine = new Promise<void>((resolve) => (release = resolve));
    const tail = ahead.then(() => mine);
    this.tails.set(key, tail);
    const forget = (): void => {
      if (this.tails.get(key) === tail) this.tails.delete(key);
    };
    try {
      await untilAborted(ahead, signal);
    } catch (error) {
      release();
      void tail.then(forget);
      throw error;
    }
    let released = false;
    // No `lost`: a lease held in this process cannot be lost.
    return {
      release: () => {
        if (released) return;
        released = true;
        release();
        forget();
      },
    };
  }

  /** Users with a turn running or waiting. */
  get size(): number {
    return this.tails.size;
  }
}

function untilAborted(ahead: Promise<void>, signal: AbortSignal | undefined): Promise<void> {
  if (signal === undefined) return ahead;
  if (signal.aborted) return Promise.reject(abortedError());
  return new Promise<void>((resolve, reject) => {
    const onAbort = (): void => reject(abortedError());
    signal.addEventListener('abort', onAbort, { once: true });
    void ahead.then(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    });
  });
}
