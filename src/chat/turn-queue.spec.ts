import { AssistantError, AssistantErrorCode } from '../assistant/errors/assistant.error';
import { TurnQueue } from './turn-queue';

/** A promise the test resolves when it chooses. */
function gate(): { opened: Promise<void>; open: () => void } {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { opened, open };
}

/** Lets every queued promise callback run. */
const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** mulberry32: a small seeded generator, so "random" interleavings repeat exactly. */
function seededRandom(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('TurnQueue', () => {
  let queue: TurnQueue;

  beforeEach(() => {
    queue = new TurnQueue();
  });

  it('runs one key’s tasks one after the other in arrival order', async () => {
    const events: string[] = [];
    const gates = [gate(), gate(), gate()];
    const runs = gates.map((g, i) =>
      queue.run('alice', undefined, async () => {
        events.push(`start ${i}`);
        await g.opened;
        events.push(`end ${i}`);
        return i;
      }),
    );
    await settle();
    expect(events).toEqual(['start 0']);

    // Opening the later gates first must not let their tasks jump the line.
    gates[2].open();
    gates[1].open();
    await settle();
    expect(events).toEqual(['start 0']);

    gates[0].open();
    expect(await Promise.all(runs)).toEqual([0, 1, 2]);
    expect(events).toEqual(['start 0', 'end 0', 'start 1', 'end 1', 'start 2', 'end 2']);
  });

  it('never runs two tasks of one key at once (seeded interleaving of 20 tasks)', async () => {
    const random = seededRandom(42);
    let running = 0;
    let mostAtOnce = 0;
    const order: number[] = [];
    const runs = Array.from({ length: 20 }, (_, i) => {
      const ticks = Math.floor(random() * 5);
      return queue.run('alice', undefined, async () => {
        running += 1;
        mostAtOnce = Math.max(mostAtOnce, running);
        for (let t = 0; t < ticks; t += 1) await settle();
        order.push(i);
        running -= 1;
      });
    });
    await Promise.all(runs);
    expect(mostAtOnce).toBe(1);
    expect(order).toEqual(Array.from({ length: 20 }, (_, i) => i));
  });

  it('runs different keys in parallel', async () => {
    const aliceGate = gate();
    const events: string[] = [];
    const alice = queue.run('alice', undefined, async () => {
      events.push('alice starts');
      await aliceGate.opened;
      events.push('alice ends');
    });
    await queue.run('bob', undefined, () => {
      events.push('bob runs');
      return Promise.resolve();
    });
    expect(events).toEqual(['alice starts', 'bob runs']);
    expect(queue.size).toBe(1);

    aliceGate.open();
    await alice;
    expect(events).toEqual(['alice starts', 'bob runs', 'alice ends']);
  });

  it('passes a task’s failure to its caller and goes on with the next task', async () => {
    const boom = new Error('boom');
    const failing = queue.run('alice', undefined, () => Promise.reject(boom));
    const next = queue.run('alice', undefined, () => Promise.resolve('next ran'));
    await expect(failing).rejects.toBe(boom);
    await expect(next).resolves.toBe('next ran');
    expect(queue.size).toBe(0);
  });

  it('lets an aborted waiter leave the line without running, and the next waiter still waits its turn', async () => {
    const firstGate = gate();
    const events: string[] = [];
    const first = queue.run('alice', undefined, async () => {
      events.push('first starts');
      await firstGate.opened;
      events.push('first ends');
    });
    const controller = new AbortController();
    const aborted = queue.run('alice', controller.signal, () => {
      events.push('aborted one ran');
      return Promise.resolve();
    });
    const third = queue.run('alice', undefined, () => {
      events.push('third runs');
      return Promise.resolve();
    });
    await settle();

    controller.abort();
    const error = await aborted.catch((reason: unknown) => reason);
    expect(error).toBeInstanceOf(AssistantError);
    expect(error).toMatchObject({ code: AssistantErrorCode.ABORTED });
    await settle();
    expect(events).toEqual(['first starts']);

    firstGate.open();
    await Promise.all([first, third]);
    expect(events).toEqual(['first starts', 'first ends', 'third runs']);
    expect(queue.size).toBe(0);
  });

  it('rejects at once with ABORTED when the signal is already aborted, without running the task', async () => {
    let ran = false;
    const run = queue.run('alice', AbortSignal.abort(), () => {
      ran = true;
      return Promise.resolve();
    });
    await expect(run).rejects.toMatchObject({ code: AssistantErrorCode.ABORTED });
    expect(ran).toBe(false);
    expect(queue.size).toBe(0);
  });

  it('ignores an abort that comes after the task started', async () => {
    const controller = new AbortController();
    const taskGate = gate();
    const run = queue.run('alice', controller.signal, async () => {
      await taskGate.opened;
      return 'finished';
    });
    await settle();
    controller.abort();
    taskGate.open();
    await expect(run).resolves.toBe('finished');
  });

  // When the aborted waiter was last in line, its cleanup drops the key although the
  // task ahead of it is still running, and a newcomer then runs beside that task.
  it('keeps the key busy when the last waiter aborts while a task still runs', async () => {
    const firstGate = gate();
    const events: string[] = [];
    const first = queue.run('alice', undefined, async () => {
      events.push('first starts');
      await firstGate.opened;
      events.push('first ends');
    });
    const controller = new AbortController();
    const aborted = queue.run('alice', controller.signal, () => Promise.resolve());
    await settle();
    controller.abort();
    await expect(aborted).rejects.toMatchObject({ code: AssistantErrorCode.ABORTED });

    const newcomer = queue.run('alice', undefined, () => {
      events.push('newcomer runs');
      return Promise.resolve();
    });
    await settle();
    expect(events).toEqual(['first starts']);
    expect(queue.size).toBe(1);

    firstGate.open();
    await Promise.all([first, newcomer]);
    expect(events).toEqual(['first starts', 'first ends', 'newcomer runs']);
  });

  it('counts keys with work in size and returns to 0', async () => {
    expect(queue.size).toBe(0);
    const gates = [gate(), gate()];
    const runs = [
      queue.run('alice', undefined, () => gates[0].opened),
      queue.run('alice', undefined, () => Promise.resolve()),
      queue.run('bob', undefined, () => gates[1].opened),
    ];
    await settle();
    expect(queue.size).toBe(2);
    gates.forEach((g) => g.open());
    await Promise.all(runs);
    expect(queue.size).toBe(0);
  });
});
