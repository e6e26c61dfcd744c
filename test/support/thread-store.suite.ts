import type { UserKey } from '../../src/auth/user-key';
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

const user = (userId: string, namespace = ''): UserKey => ({ namespace, userId });

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

    it('stores a first mapping and returns it, for that user only', async () => {
      expect(await store.swap(user('alice'), undefined, threadRecord(1))).toEqual(threadRecord(1));
      expect(await store.get(user('alice'))).toEqual(threadRecord(1));
      expect(await store.get(user('bob'))).toBeUndefined();
      expect(await store.get(user('alice', 'key:crm'))).toBeUndefined();
    });

    it('keeps the same user id in two namespaces apart', async () => {
      await store.swap(user('alice'), undefined, threadRecord(1));
      await store.swap(user('alice', 'key:crm'), undefined, threadRecord(2, 'responses'));
      const reopened = await fixture.reopen();
      expect(await reopened.get(user('alice'))).toEqual(threadRecord(1));
      expect(await reopened.get(user('alice', 'key:crm'))).toEqual(threadRecord(2, 'responses'));
    });

    it.each(['nobody', 'toString', 'constructor', '__proto__', 'hasOwnProperty'])('has nothing for the unknown user %s', async (userId) => {
      await store.swap(user('someone-else'), undefined, threadRecord(1));
      expect(await store.get(user(userId))).toBeUndefined();
    });

    it('replaces the mapping the caller saw, durably', async () => {
      await store.swap(user('alice'), undefined, threadRecord(1));
      expect(await store.swap(user('alice'), 'thread_1', threadRecord(2, 'responses'))).toEqual(threadRecord(2, 'responses'));
      const reopened = await fixture.reopen();
      expect(await reopened.get(user('alice'))).toEqual(threadRecord(2, 'responses'));
    });

    it('keeps the mapping another caller stored first, and says which it is', async () => {
      await store.swap(user('alice'), undefined, threadRecord(1));
      // A second first-mapping, as from a replica that also saw no mapping.
      expect(await store.swap(user('alice'), undefined, threadRecord(2))).toEqual(threadRecord(1));
      // A replacement of a mapping that is no longer there.
      expect(await store.swap(user('alice'), 'thread_9', threadRecord(3))).toEqual(threadRecord(1));
      const reopened = await fixture.reopen();
      expect(await reopened.get(user('alice'))).toEqual(threadRecord(1));
    });

    it('lets exactly one of many concurrent first mappings win', async () => {
      const results = await Promise.all(Array.from({ length: 10 }, (_, n) => store.swap(user('alice'), undefined, threadRecord(n))));
      const winner = await store.get(user('alice'));
      expect(winner).toBeDefined();
      expect(results).toEqual(Array.from({ length: 10 }, () => winner));
    });

    it('deletes a user’s mapping durably, returns what it was, and leaves others', async () => {
      await store.swap(user('alice'), undefined, threadRecord(1));
      await store.swap(user('bob'), undefined, threadRecord(2));
      expect(await store.delete(user('alice'))).toEqual(threadRecord(1));
      expect(await store.get(user('alice'))).toBeUndefined();
      const reopened = await fixture.reopen();
      expect(await reopened.get(user('alice'))).toBeUndefined();
      expect(await reopened.get(user('bob'))).toEqual(threadRecord(2));
      expect(await reopened.swap(user('alice'), undefined, threadRecord(3))).toEqual(threadRecord(3));
      // A mapping reset while a caller was replacing it: the empty slot takes the caller's.
      await reopened.delete(user('alice'));
      expect(await reopened.swap(user('alice'), 'thread_3', threadRecord(4))).toEqual(threadRecord(4));
    });

    it('treats deleting an unknown user as a no-op', async () => {
      await store.swap(user('bob'), undefined, threadRecord(2));
      await expect(store.delete(user('nobody'))).resolves.toBeUndefined();
      expect(await store.get(user('bob'))).toEqual(threadRecord(2));
    });

    it('keeps all of 200 concurrent first mappings across a reopen', async () => {
      await Promise.all(Array.from({ length: 200 }, (_, n) => store.swap(user(`user-${n}`), undefined, threadRecord(n))));
      const reopened = await fixture.reopen();
      for (let n = 0; n < 200; n += 1) expect(await reopened.get(user(`user-${n}`))).toEqual(threadRecord(n));
    });

    it.each(['__proto__', 'constructor', 'a:b@c.d-e_f'])('stores and reloads the user id %s', async (userId) => {
      await store.swap(user(userId), undefined, threadRecord(7, 'assistants'));
      expect(await store.get(user(userId))).toEqual(threadRecord(7, 'assistants'));
      const reopened = await fixture.reopen();
      expect(await reopened.get(user(userId))).toEqual(threadRecord(7, 'assistants'));
      expect(await reopened.get(user('other'))).toBeUndefined();
    });

    it('flush resolves once changes still in progress are durable', async () => {
      const swaps = Array.from({ length: 30 }, (_, n) => store.swap(user(`user-${n}`), undefined, threadRecord(n)));
      await store.flush();
      const reopened = await fixture.reopen();
      for (let n = 0; n < 30; n += 1) expect(await reopened.get(user(`user-${n}`))).toEqual(threadRecord(n));
      await Promise.all(swaps);
    });

    it('can take writes (checkHealth resolves)', async () => {
      await expect(store.checkHealth()).resolves.toBeUndefined();
    });
  });
}
