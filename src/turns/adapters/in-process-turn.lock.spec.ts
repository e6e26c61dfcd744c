import { holding, turnLockSuite, user } from '../../../test/support/turn-lock.suite';
import { InProcessTurnLock } from './in-process-turn.lock';

/** Lets every queued promise callback run. */
const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

turnLockSuite('InProcessTurnLock', async () => {
  const lock = new InProcessTurnLock();
  return { lock, sibling: async () => lock, settle, cleanup: async () => undefined };
});

describe('InProcessTurnLock', () => {
  it('counts users with a turn running or waiting, and returns to 0', async () => {
    const lock = new InProcessTurnLock();
    expect(lock.size).toBe(0);
    const alice = await lock.acquire(user('alice'));
    const aliceNext = holding(lock, user('alice'), undefined, () => Promise.resolve());
    const bob = await lock.acquire(user('bob'));
    await settle();
    expect(lock.size).toBe(2);
    alice.release();
    bob.release();
    await aliceNext;
    expect(lock.size).toBe(0);
  });

  it('forgets a user whose only waiter aborted once the turn ahead ends', async () => {
    const lock = new InProcessTurnLock();
    const first = await lock.acquire(user('alice'));
    const controller = new AbortController();
    const waiter = lock.acquire(user('alice'), controller.signal);
    controller.abort();
    await expect(waiter).rejects.toMatchObject({ code: 'ABORTED' });
    expect(lock.size).toBe(1);
    first.release();
    await settle();
    expect(lock.size).toBe(0);
  });
});
