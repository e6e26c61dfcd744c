import { Injectable } from '@nestjs/common';
import { AssistantError, AssistantErrorCode } from '../assistant/errors/assistant.error';

/**
 * Runs one task at a time per key, in arrival order; different keys run in
 * parallel. A conversation upstream takes one turn at a time, so a user's
 * requests wait here for each other instead of colliding there. A request
 * whose caller gives up while waiting leaves the line without running.
 */
@Injectable()
export class TurnQueue {
  private readonly tails = new Map<string, Promise<void>>();

  async run<T>(key: string, signal: AbortSignal | undefined, task: () => Promise<T>): Promise<T> {
    const waiting = this.tails.get(key);
    const ahead = waiting ?? Promise.resolve();
    let aheadDone = waiting === undefined;
    let release!: () => void;
    const mine = new Promise<void>((resolve) => (release = resolve));
    const tail = ahead.then(() => mine);
    this.tails.set(key, tail);
    try {
      await untilAborted(ahead, signal);
      aheadDone = true;
      return await task();
    } finally {
      release();
      const forget = (): void => {
        if (this.tails.get(key) === tail) this.tails.delete(key);
      };
      // A caller that gave up while waiting must not make the key look idle while a task ahead still runs.
      if (aheadDone) forget();
      else void tail.then(forget);
    }
  }

  /** Keys with a task running or waiting. */
  get size(): number {
    return this.tails.size;
  }
}

function untilAborted(ahead: Promise<void>, signal: AbortSignal | undefined): Promise<void> {
  if (signal === undefined) return ahead;
  const cancelled = (): AssistantError => new AssistantError(AssistantErrorCode.ABORTED, 'The request was cancelled');
  if (signal.aborted) return Promise.reject(cancelled());
  return new Promise<void>((resolve, reject) => {
    const onAbort = (): void => reject(cancelled());
    signal.addEventListener('abort', onAbort, { once: true });
    void ahead.then(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    });
  });
}
