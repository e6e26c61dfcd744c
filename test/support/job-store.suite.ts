import type { JobRecord } from '../../src/jobs/job';
import type { JobStore } from '../../src/jobs/job-store.port';

export interface JobStoreFixture {
  /** A ready store on empty storage of its own. */
  store: JobStore;
  /** A new instance on the same storage, as after a restart. */
  reopen: () => Promise<JobStore>;
  cleanup: () => Promise<void>;
}

const T0 = 1_700_000_000_000;

/** A job `n`, created at T0 + n ms, queued unless `changes` say otherwise. */
export function jobRecord(n: number, changes: Partial<JobRecord> = {}): JobRecord {
  return {
    id: `job_${String(n).padStart(22, '0')}`,
    user: { namespace: '', userId: `user-${n}` },
    message: `question ${n}`,
    settings: {},
    status: 'queued',
    phase: 'pending',
    createdAt: T0 + n,
    ...changes,
  };
}

/** Every field a record can carry, with texts a careless encoder would break. */
function fullRecord(n: number): JobRecord {
  return jobRecord(n, {
    user: { namespace: 'key:crm', userId: 'a:b@c.d-e_f' },
    message: 'Grüße 👋 "quoted" \\ back\nslash',
    settings: { model: 'gpt-5-mini', temperature: 0.7, maxOutputTokens: 512 },
    callbackUrl: 'https://hooks.example.com/chat?x=1&y=2',
    status: 'succeeded',
    phase: 'answered',
    answer: {
      threadId: 'conv_123',
      exchange: { user: 'Grüße 👋', bot: 'Antwort\u2028mit Zeilen', timestamp: 1_700_000_000.123, model: 'gpt-5-mini', usage: { input_tokens: 3, output_tokens: 4, total_tokens: 7 } },
    },
    delivery: { state: 'failed', attempts: 8, lastStatus: 500, lastError: 'the receiver answered 500', nextAttemptAt: T0 + 99 },
    finishedAt: T0 + 50,
  });
}

/**
 * The behaviour every JobStore adapter must show. Running it against each
 * adapter is what proves they are interchangeable.
 */
export function jobStoreSuite(name: string, make: () => Promise<JobStoreFixture>): void {
  describe(`${name} meets the JobStore contract`, () => {
    let fixture: JobStoreFixture;
    let store: JobStore;

    beforeEach(async () => {
      fixture = await make();
      store = fixture.store;
    });

    afterEach(async () => {
      await fixture.cleanup();
    });

    it('keeps every field of a record, across a reopen', async () => {
      const record = fullRecord(1);
      await store.put(record);
      expect(await store.get(record.id)).toEqual(record);
      expect(await (await fixture.reopen()).get(record.id)).toEqual(record);
    });

    it.each(['job_nobody', 'toString', 'constructor', '__proto__', 'hasOwnProperty', ''])('has nothing for the unknown id %j', async (id) => {
      await store.put(jobRecord(1));
      expect(await store.get(id)).toBeUndefined();
    });

    it('hands out copies: changing one changes nothing stored', async () => {
      const record = jobRecord(1);
      await store.put(record);
      record.status = 'failed';
      const read = (await store.get(record.id))!;
      read.message = 'changed';
      (read.user as { userId: string }).userId = 'changed';
      expect(await store.get(record.id)).toEqual(jobRecord(1));
    });

    it('replaces a record whole, durably: a field left out is gone', async () => {
      await store.put(jobRecord(1, { status: 'running', phase: 'answered', answer: { threadId: 'conv_1', exchange: { user: 'q', bot: 'a', timestamp: 1 } } }));
      await store.put(jobRecord(1, { status: 'running', phase: 'pending' }));
      const reopened = await fixture.reopen();
      expect(await reopened.get(jobRecord(1).id)).toEqual(jobRecord(1, { status: 'running', phase: 'pending' }));
    });

    it('lists the jobs with work left, oldest first, and only those', async () => {
      const records = [
        jobRecord(5, { status: 'running', phase: 'asking' }),
        jobRecord(2),
        jobRecord(3, { status: 'succeeded', finishedAt: T0 + 10 }),
        jobRecord(4, { status: 'failed', finishedAt: T0 + 10, callbackUrl: 'https://h.example/', delivery: { state: 'pending', attempts: 1 } }),
        jobRecord(1, { status: 'succeeded', finishedAt: T0 + 10, callbackUrl: 'https://h.example/', delivery: { state: 'delivered', attempts: 1, deliveredAt: T0 + 11 } }),
        jobRecord(6, { status: 'failed', finishedAt: T0 + 10, callbackUrl: 'https://h.example/', delivery: { state: 'failed', attempts: 8 } }),
      ];
      for (const record of records) await store.put(record);
      const ids = (await store.unsettled()).map((record) => record.id);
      expect(ids).toEqual([2, 4, 5].map((n) => jobRecord(n).id));
      expect((await (await fixture.reopen()).unsettled()).map((record) => record.id)).toEqual(ids);
    });

    it('removes finished jobs older than the cut-off, keeps the rest, durably', async () => {
      await store.put(jobRecord(1, { status: 'succeeded', finishedAt: T0 + 100 }));
      await store.put(jobRecord(2, { status: 'failed', finishedAt: T0 + 200 }));
      await store.put(jobRecord(3, { status: 'succeeded', finishedAt: T0 + 300 }));
      await store.put(jobRecord(4, { status: 'succeeded', finishedAt: T0 + 100, callbackUrl: 'https://h.example/', delivery: { state: 'pending', attempts: 2 } }));
      await store.put(jobRecord(5, { status: 'running', phase: 'asking' }));
      expect(await store.removeFinished(T0 + 300)).toBe(2);
      expect(await store.removeFinished(T0 + 300)).toBe(0);
      const reopened = await fixture.reopen();
      for (const n of [1, 2]) expect(await reopened.get(jobRecord(n).id)).toBeUndefined();
      for (const n of [3, 4, 5]) expect(await reopened.get(jobRecord(n).id)).toBeDefined();
    });

    it('keeps all of 200 concurrent puts across a reopen', async () => {
      await Promise.all(Array.from({ length: 200 }, (_, n) => store.put(jobRecord(n))));
      const reopened = await fixture.reopen();
      for (let n = 0; n < 200; n += 1) expect(await reopened.get(jobRecord(n).id)).toEqual(jobRecord(n));
      expect(await reopened.unsettled()).toHaveLength(200);
    });

    it('keeps the last of concurrent puts of one job', async () => {
      const statuses = ['running', 'running', 'succeeded'] as const;
      await Promise.all(statuses.map((status, i) => store.put(jobRecord(1, { status, createdAt: T0 + 1, finishedAt: status === 'succeeded' ? T0 + i : undefined }))));
      expect((await (await fixture.reopen()).get(jobRecord(1).id))?.status).toBe('succeeded');
    });

    it('flush resolves once changes still in progress are durable', async () => {
      const puts = Array.from({ length: 30 }, (_, n) => store.put(jobRecord(n)));
      await store.flush();
      const reopened = await fixture.reopen();
      for (let n = 0; n < 30; n += 1) expect(await reopened.get(jobRecord(n).id)).toEqual(jobRecord(n));
      await Promise.all(puts);
    });

    it('can take writes (checkHealth resolves)', async () => {
      await expect(store.checkHealth()).resolves.toBeUndefined();
    });
  });
}
