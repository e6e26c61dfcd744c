import type { ThreadRecord, ThreadStore } from '../../src/threads/thread-store.port';

export interface ThreadStoreFixture {
  /** A ready store on empty storage of its own. */
  store: ThreadStore;
  /** A new instance on the same storage, as after a restart. */
  reopen: () => Promise<ThreadStore>;
  cleanup: () => Promise<void>;
}

export function threadRecord(n: number, mode: ThreadRecord['mode'] = 'local'): ThreadRecord {
  return { threadId: `thread_${n}`, mode, createdAt: 1_700_000_000_000 + n };
}

/**
 * The behaviour every ThreadStore adapter must show. Running it against each
 * adapter is what proves they are interchangeable.
 */
export function threadStoreSuite(name: string, make: () => Promise<ThreadStoreFixture>): void {
  describe(`${name} meets the ThreadStore contract`, () => {
    let fixture: ThreadStoreFixture;
    let store: ThreadStore;

    beforeEach(async () => {
      fixture = await make();
      store = fixture.store;
    });

    afterEach(async () => {
      await fixture.cleanup();
    });

    it('returns what was set, for that user only', async () => {
      await store.set('alice', threadRecord(1));
      expect(await store.get('alice')).toEqual(threadRecord(1));
      expect(await store.get('bob')).toBeUndefined();
    });

    it.each(['nobody', 'toString', 'constructor', '__proto__', 'hasOwnProperty'])(
      'has nothing for the unknown user %s',
      async (userId) => {
        await store.set('someone-else', threadRecord(1));
        expect(await store.get(userId)).toBeUndefined();
      },
    );

    it('replaces a user’s record on a second set', async () => {
      await store.set('alice', threadRecord(1));
      await store.set('alice', threadRecord(2, 'responses'));
      expect(await store.get('alice')).toEqual(threadRecord(2, 'responses'));
      const reopened = await fixture.reopen();
      expect(await reopened.get('alice')).toEqual(threadRecord(2, 'responses'));
    });

    it('deletes a user’s record, durably, and leaves others', async () => {
      await store.set('alice', threadRecord(1));
      await store.set('bob', threadRecord(2));
      await store.delete('alice');
      expect(await store.get('alice')).toBeUndefined();
      const reopened = await fixture.reopen();
      expect(await reopened.get('alice')).toBeUndefined();
      expect(await reopened.get('bob')).toEqual(threadRecord(2));
    });

    it('treats deleting an unknown user as a no-op', async () => {
      await store.set('bob', threadRecord(2));
      await expect(store.delete('nobody')).resolves.toBeUndefined();
      expect(await store.get('bob')).toEqual(threadRecord(2));
    });

    it('keeps all of 200 concurrent sets across a reopen', async () => {
      await Promise.all(Array.from({ length: 200 }, (_, n) => store.set(`user-${n}`, threadRecord(n))));
      const reopened = await fixture.reopen();
      for (let n = 0; n < 200; n += 1) expect(await reopened.get(`user-${n}`)).toEqual(threadRecord(n));
    });

    it('keeps the last of concurrent sets for one user', async () => {
      await Promise.all([1, 2, 3].map((n) => store.set('alice', threadRecord(n))));
      expect(await store.get('alice')).toEqual(threadRecord(3));
      const reopened = await fixture.reopen();
      expect(await reopened.get('alice')).toEqual(threadRecord(3));
    });

    it.each(['__proto__', 'constructor', 'a:b@c.d-e_f'])('stores and reloads the user id %s', async (userId) => {
      await store.set(userId, threadRecord(7, 'assistants'));
      expect(await store.get(userId)).toEqual(threadRecord(7, 'assistants'));
      const reopened = await fixture.reopen();
      expect(await reopened.get(userId)).toEqual(threadRecord(7, 'assistants'));
      expect(await reopened.get('other')).toBeUndefined();
    });

    it('flush resolves once changes still in progress are durable', async () => {
      const sets = Array.from({ length: 30 }, (_, n) => store.set(`user-${n}`, threadRecord(n)));
      await store.flush();
      const reopened = await fixture.reopen();
      for (let n = 0; n < 30; n += 1) expect(await reopened.get(`user-${n}`)).toEqual(threadRecord(n));
      await Promise.all(sets);
    });

    it('can take writes (assertWritable resolves)', async () => {
      await expect(store.assertWritable()).resolves.toBeUndefined();
    });
  });
}
