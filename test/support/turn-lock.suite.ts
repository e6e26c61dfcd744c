import { AssistantErrorCode } from '../../src/assistant/errors/assistant.error';
import type { UserKey } from '../../src/auth/user-key';
import type { TurnLock } from '../../src/turns/turn-lock.port';
import { mulberry32 } from './seeded-random';

export interface TurnLockFixture {
  lock: TurnLock;
  /** Another lock on the same shared state (another replica); the in-process lock returns itself. */
  sibling: () => Promise<TurnLock>;
  /** Long enough for anything the lock would do on its own to have happened (a tick in process, a round trip over the network). */
  settle: () => Promise<void>;
  cleanup: () => Promise<void>;
}

/** A promise the test resolves when it chooses. */
export function gate(): { opened: Promise<void>; open: () => void } {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { opened, open };
}

export const user = (userId: string, namespace = ''): UserKey => ({ namespace, userId });

/** Runs `task` holding `key`'s lease, as the chat service does. */
export async function holding<T>(lock: TurnLock, key: UserKey, signal: AbortSignal | undefined, task: () => Promise<T>): Promise<T> {
  const lease = await lock.acquire(key, signal);
  try {
    return await task();
  } finally {
    lease.release();
  }
}

/** What every TurnLock adapter must do; running it against each is what proves them interchangeable. */
export function turnLockSuite(name: string, make: () => Promise<TurnLockFixture>): void {
  describe(`${name} meets the TurnLock contract`, () => {
    let fixture: TurnLockFixture;
    let lock: TurnLock;

    beforeEach(async () => {
      fixture = await make();
      lock = fixture.lock;
    });

    afterEach(async () => {
      await fixture.cleanup();
    });

    it('runs one user’s turns one after the other in arrival order', async () => {
      const events: string[] = [];
      const gates = [gate(), gate(), gate()];
      const runs: Promise<number>[] = [];
      for (const [i, g] of gates.entries()) {
        runs.push(
          holding(lock, user('alice'), undefined, async () => {
            events.push(`start ${i}`);
            await g.opened;
            events.push(`end ${i}`);
            return i;
          }),
        );
        await fixture.settle();
      }
      expect(events).toEqual(['start 0']);

      // Opening the later gates first must not let their turns jump the line.
      gates[2].open();
      gates[1].open();
      await fixture.settle();
      expect(events).toEqual(['start 0']);

      gates[0].open();
      expect(await Promise.all(runs)).toEqual([0, 1, 2]);
      expect(events).toEqual(['start 0', 'end 0', 'start 1', 'end 1', 'start 2', 'end 2']);
    });

    it('never runs two turns of one user at once (seeded interleaving of 20 turns)', async () => {
      const random = mulberry32(42);
      let running = 0;
      let mostAtOnce = 0;
      const runs = Array.from({ length: 20 }, () => {
        const ticks = Math.floor(random() * 5);
        return holding(lock, user('alice'), undefined, async () => {
          running += 1;
          mostAtOnce = Math.max(mostAtOnce, running);
          for (let t = 0; t < ticks; t += 1) await new Promise((resolve) => setImmediate(resolve));
          running -= 1;
        });
      });
      await Promise.all(runs);
      expect(mostAtOnce).toBe(1);
    });

    it('never runs two turns of one user at once across two locks on the same state', async () => {
      const other = await fixture.sibling();
      let running = 0;
      let mostAtOnce = 0;
      const turn = async (): Promise<void> => {
        running += 1;
        mostAtOnce = Math.max(mostAtOnce, running);
        await new Promise((resolve) => setTimeout(resolve, 5));
        running -= 1;
      };
      await Promise.all(Array.from({ length: 10 }, (_, i) => holding(i % 2 === 0 ? lock : other, user('alice'), undefined, turn)));
      expect(mostAtOnce).toBe(1);
    });

    it('runs different users, and one user id in two namespaces, in parallel', async () => {
      const aliceGate = gate();
      const events: string[] = [];
      const alice = holding(lock, user('alice'), undefined, async () => {
        events.push('alice starts');
        await aliceGate.opened;
        events.push('alice ends');
      });
      await fixture.settle();
      await holding(lock, user('bob'), undefined, async () => {
        events.push('bob runs');
      });
      await holding(lock, user('alice', 'key:crm'), undefined, async () => {
        events.push('crm alice runs');
      });
      expect(events).toEqual(['alice starts', 'bob runs', 'crm alice runs']);
      aliceGate.open();
      await alice;
    });

    it('passes a turn’s failure to its caller and goes on with the next turn', async () => {
      const boom = new Error('boom');
      const failing = holding(lock, user('alice'), undefined, () => Promise.reject(boom));
      const next = holding(lock, user('alice'), undefined, () => Promise.resolve('next ran'));
      await expect(failing).rejects.toBe(boom);
      await expect(next).resolves.toBe('next ran');
    });

    it('lets an aborted waiter leave the line without running, and the next waiter still waits its turn', async () => {
      const firstGate = gate();
      const events: string[] = [];
      const first = holding(lock, user('alice'), undefined, async () => {
        events.push('first starts');
        await firstGate.opened;
        events.push('first ends');
      });
      await fixture.settle();
      const controller = new AbortController();
      const aborted = holding(lock, user('alice'), controller.signal, async () => {
        events.push('aborted one ran');
      });
      await fixture.settle();
      const third = holding(lock, user('alice'), undefined, async () => {
        events.push('third runs');
      });
      await fixture.settle();

      controller.abort();
      await expect(aborted).rejects.toMatchObject({ code: AssistantErrorCode.ABORTED });
      await fixture.settle();
      expect(events).toEqual(['first starts']);

      firstGate.open();
      await Promise.all([first, third]);
      expect(events).toEqual(['first starts', 'first ends', 'third runs']);
    });

    it('rejects at once with ABORTED when the signal is already aborted', async () => {
      await expect(lock.acquire(user('alice'), AbortSignal.abort())).rejects.toMatchObject({ code: AssistantErrorCode.ABORTED });
      await expect(holding(lock, user('alice'), undefined, () => Promise.resolve('free'))).resolves.toBe('free');
    });

    it('ignores an abort that comes after the lease was granted', async () => {
      const controller = new AbortController();
      const taskGate = gate();
      const run = holding(lock, user('alice'), controller.signal, async () => {
        await taskGate.opened;
        return 'finished';
      });
      await fixture.settle();
      controller.abort();
      taskGate.open();
      await expect(run).resolves.toBe('finished');
    });

    // When the aborted waiter was last in line, its leaving must not make the user look idle while the turn ahead still runs.
    it('keeps the user busy when the last waiter aborts while a turn still runs', async () => {
      const firstGate = gate();
      const events: string[] = [];
      const first = holding(lock, user('alice'), undefined, async () => {
        events.push('first starts');
        await firstGate.opened;
        events.push('first ends');
      });
      await fixture.settle();
      const controller = new AbortController();
      const aborted = holding(lock, user('alice'), controller.signal, () => Promise.resolve());
      await fixture.settle();
      controller.abort();
      await expect(aborted).rejects.toMatchObject({ code: AssistantErrorCode.ABORTED });

      const newcomer = holding(lock, user('alice'), undefined, async () => {
        events.push('newcomer runs');
      });
      await fixture.settle();
      expect(events).toEqual(['first starts']);

      firstGate.open();
      await Promise.all([first, newcomer]);
      expect(events).toEqual(['first starts', 'first ends', 'newcomer runs']);
    });

    it('treats a second release as a no-op', async () => {
      const lease = await lock.acquire(user('alice'));
      lease.release();
      lease.release();
      const events: string[] = [];
      const first = holding(lock, user('alice'), undefined, async () => {
        events.push('first');
        await fixture.settle();
      });
      const second = holding(lock, user('alice'), undefined, async () => {
        events.push('second');
      });
      await Promise.all([first, second]);
      expect(events).toEqual(['first', 'second']);
    });
  });
}
