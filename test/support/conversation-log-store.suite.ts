import type { UserKey } from '../../src/auth/user-key';
import type { ConversationLogStore, Exchange } from '../../src/conversation-log/conversation-log.port';

export interface ConversationLogStoreFixture {
  /** A ready store on empty storage of its own. */
  store: ConversationLogStore;
  /** A new instance on the same storage, as after a restart. */
  reopen: () => Promise<ConversationLogStore>;
  cleanup: () => Promise<void>;
}

/** An exchange with a timestamp whose millisecond fraction must survive storage exactly. */
export function exchange(n: number, prefix = 'q'): Exchange {
  return { user: `${prefix}${n}`, bot: `answer to ${prefix}${n}`, timestamp: 1696614303.123 + n };
}

export const user = (userId: string, namespace = ''): UserKey => ({ namespace, userId });

/** Everything a store holds for the user, by following the cursors from the newest page back. */
export async function wholeHistory(store: ConversationLogStore, key: UserKey, limit = 1000): Promise<Exchange[]> {
  const pages: Exchange[][] = [];
  let before: number | undefined;
  for (;;) {
    const page = await store.page(key, { limit, before });
    pages.unshift(page.exchanges);
    if (page.nextBefore === undefined) return pages.flat();
    before = page.nextBefore;
  }
}

/**
 * The behaviour every ConversationLogStore adapter must show. Running it against
 * each adapter is what proves they are interchangeable.
 */
export function conversationLogStoreSuite(name: string, make: () => Promise<ConversationLogStoreFixture>): void {
  describe(`${name} meets the ConversationLogStore contract`, () => {
    let fixture: ConversationLogStoreFixture;
    let store: ConversationLogStore;

    beforeEach(async () => {
      fixture = await make();
      store = fixture.store;
    });

    afterEach(async () => {
      await fixture.cleanup();
    });

    it('returns a user’s exchanges oldest first', async () => {
      for (const n of [1, 2, 3]) await store.append(user('alice'), exchange(n));
      expect(await store.page(user('alice'), { limit: 100 })).toEqual({ exchanges: [exchange(1), exchange(2), exchange(3)], nextBefore: undefined });
    });

    it('keeps users apart, and the same user id in two namespaces apart', async () => {
      await store.append(user('alice'), exchange(1, 'a'));
      await store.append(user('bob'), exchange(1, 'b'));
      await store.append(user('alice', 'key:crm'), exchange(1, 'crm'));
      expect(await wholeHistory(store, user('alice'))).toEqual([exchange(1, 'a')]);
      expect(await wholeHistory(store, user('bob'))).toEqual([exchange(1, 'b')]);
      expect(await wholeHistory(store, user('alice', 'key:crm'))).toEqual([exchange(1, 'crm')]);
      expect(await wholeHistory(store, user('alice', 'key:web'))).toEqual([]);
    });

    it.each(['nobody', 'toString', 'constructor', '__proto__', 'hasOwnProperty'])('gives the unknown user %s an empty page', async (userId) => {
      await store.append(user('someone-else'), exchange(1));
      expect(await store.page(user(userId), { limit: 10 })).toEqual({ exchanges: [], nextBefore: undefined });
    });

    it('pages from the newest back with cursors, each page oldest first, until no cursor is left', async () => {
      for (let n = 1; n <= 7; n += 1) await store.append(user('alice'), exchange(n));
      const newest = await store.page(user('alice'), { limit: 3 });
      expect(newest.exchanges).toEqual([exchange(5), exchange(6), exchange(7)]);
      expect(newest.nextBefore).toEqual(expect.any(Number));
      const middle = await store.page(user('alice'), { limit: 3, before: newest.nextBefore });
      expect(middle.exchanges).toEqual([exchange(2), exchange(3), exchange(4)]);
      const oldest = await store.page(user('alice'), { limit: 3, before: middle.nextBefore });
      expect(oldest).toEqual({ exchanges: [exchange(1)], nextBefore: undefined });
    });

    it('gives no cursor when a page ends exactly at the oldest exchange', async () => {
      for (let n = 1; n <= 4; n += 1) await store.append(user('alice'), exchange(n));
      const newest = await store.page(user('alice'), { limit: 2 });
      const oldest = await store.page(user('alice'), { limit: 2, before: newest.nextBefore });
      expect(oldest).toEqual({ exchanges: [exchange(1), exchange(2)], nextBefore: undefined });
    });

    it('keeps a cursor valid while newer exchanges arrive', async () => {
      for (let n = 1; n <= 4; n += 1) await store.append(user('alice'), exchange(n));
      const newest = await store.page(user('alice'), { limit: 2 });
      await store.append(user('alice'), exchange(5));
      expect((await store.page(user('alice'), { limit: 10, before: newest.nextBefore })).exchanges).toEqual([exchange(1), exchange(2)]);
    });

    it('gives an empty page for a cursor before the oldest exchange', async () => {
      await store.append(user('alice'), exchange(1));
      const { nextBefore } = await store.page(user('alice'), { limit: 1 });
      expect(nextBefore).toBeUndefined();
      expect((await store.page(user('alice'), { limit: 10, before: 1 })).exchanges).toEqual([]);
    });

    it('hands out copies: changing a page does not change the store', async () => {
      await store.append(user('alice'), exchange(1));
      const page = await store.page(user('alice'), { limit: 10 });
      page.exchanges[0].bot = 'tampered';
      page.exchanges.push(exchange(99));
      expect((await store.page(user('alice'), { limit: 10 })).exchanges).toEqual([exchange(1)]);
    });

    it('keeps all of 200 concurrent appends across 20 users, across a reopen', async () => {
      const users = Array.from({ length: 20 }, (_, u) => `user-${u}`);
      const expected = new Map(users.map((id) => [id, [] as Exchange[]]));
      const appends: Promise<void>[] = [];
      for (let n = 0; n < 200; n += 1) {
        const id = users[n % users.length];
        const entry = exchange(n, `${id}:`);
        expected.get(id)?.push(entry);
        appends.push(store.append(user(id), entry));
      }
      await Promise.all(appends);

      const reopened = await fixture.reopen();
      for (const [id, entries] of expected) expect(sortByTimestamp(await wholeHistory(reopened, user(id)))).toEqual(entries);
    });

    it.each(['__proto__', 'constructor', 'a:b@c.d-e_f'])('stores and reloads the user id %s', async (userId) => {
      await store.append(user(userId), exchange(1));
      await store.append(user(userId), exchange(2));
      const reopened = await fixture.reopen();
      expect(await wholeHistory(reopened, user(userId))).toEqual([exchange(1), exchange(2)]);
      expect(await wholeHistory(reopened, user('other'))).toEqual([]);
    });

    it('flush resolves once appends still in progress are durable', async () => {
      const appends = Array.from({ length: 30 }, (_, n) => store.append(user(`user-${n % 3}`), exchange(n)));
      await store.flush();
      const reopened = await fixture.reopen();
      const stored = [
        ...(await wholeHistory(reopened, user('user-0'))),
        ...(await wholeHistory(reopened, user('user-1'))),
        ...(await wholeHistory(reopened, user('user-2'))),
      ];
      expect(stored).toHaveLength(30);
      await Promise.all(appends);
    });

    it('flush resolves at once when nothing is pending', async () => {
      await expect(store.flush()).resolves.toBeUndefined();
    });

    it('keeps the exact texts, timestamp, model and usage across a reopen', async () => {
      const exact: Exchange = {
        user: 'Hello! "quoted" \\ ünïcödé 😀\n',
        bot: 'Hello there!\t</script>',
        timestamp: 1696614303.123,
        model: 'gpt-5-mini',
        usage: { input_tokens: 12, output_tokens: 34, total_tokens: 46 },
      };
      await store.append(user('user123'), exact);
      await store.append(user('user123'), exchange(2));
      const reopened = await fixture.reopen();
      const [stored, plain] = await wholeHistory(reopened, user('user123'));
      expect(stored).toStrictEqual(exact);
      expect(stored.timestamp).toBe(1696614303.123);
      // An exchange without model or usage comes back without them, not with nulls.
      expect(plain).toStrictEqual(exchange(2));
    });

    it('appends after a reopen to what was already there', async () => {
      await store.append(user('alice'), exchange(1));
      const reopened = await fixture.reopen();
      await reopened.append(user('alice'), exchange(2));
      const again = await fixture.reopen();
      expect(await wholeHistory(again, user('alice'))).toEqual([exchange(1), exchange(2)]);
    });

    it('erases one user durably, leaving the others and the same id in another namespace', async () => {
      await store.append(user('alice'), exchange(1));
      await store.append(user('alice'), exchange(2));
      await store.append(user('bob'), exchange(3));
      await store.append(user('alice', 'key:crm'), exchange(4));
      await store.erase(user('alice'));
      expect(await wholeHistory(store, user('alice'))).toEqual([]);
      const reopened = await fixture.reopen();
      expect(await wholeHistory(reopened, user('alice'))).toEqual([]);
      expect(await wholeHistory(reopened, user('bob'))).toEqual([exchange(3)]);
      expect(await wholeHistory(reopened, user('alice', 'key:crm'))).toEqual([exchange(4)]);
      await reopened.append(user('alice'), exchange(5));
      expect(await wholeHistory(reopened, user('alice'))).toEqual([exchange(5)]);
    });

    it('treats erasing an unknown user as a no-op', async () => {
      await store.append(user('bob'), exchange(1));
      await expect(store.erase(user('nobody'))).resolves.toBeUndefined();
      expect(await wholeHistory(store, user('bob'))).toEqual([exchange(1)]);
    });

    it('lists every user with their exchanges for an export', async () => {
      await store.append(user('alice'), exchange(1));
      await store.append(user('bob'), exchange(2));
      await store.append(user('alice'), exchange(3));
      await store.append(user('alice', 'key:crm'), exchange(4));
      const listed: Array<{ user: UserKey; exchanges: Exchange[] }> = [];
      for await (const entry of store.users()) listed.push(entry);
      const byKey = (entry: { user: UserKey }): string => `${entry.user.namespace}|${entry.user.userId}`;
      expect(listed.sort((a, b) => byKey(a).localeCompare(byKey(b)))).toEqual([
        { user: user('alice'), exchanges: [exchange(1), exchange(3)] },
        { user: user('bob'), exchanges: [exchange(2)] },
        { user: user('alice', 'key:crm'), exchanges: [exchange(4)] },
      ]);
    });

    it('imports only the exchanges a user does not have, durably', async () => {
      await store.append(user('alice'), exchange(2));
      expect(await store.importExchanges(user('alice'), [exchange(1), exchange(2), exchange(3)])).toBe(2);
      expect(await store.importExchanges(user('alice'), [exchange(1), exchange(2), exchange(3)])).toBe(0);
      const reopened = await fixture.reopen();
      expect(await wholeHistory(reopened, user('alice'))).toEqual([exchange(1), exchange(2), exchange(3)]);
    });

    it('imports an exchange that differs only in its answer as a new one', async () => {
      await store.append(user('alice'), exchange(1));
      expect(await store.importExchanges(user('alice'), [{ ...exchange(1), bot: 'another answer' }])).toBe(1);
      expect(await wholeHistory(store, user('alice'))).toHaveLength(2);
    });

    it('can take writes (checkHealth resolves)', async () => {
      await expect(store.checkHealth()).resolves.toBeUndefined();
    });
  });
}

function sortByTimestamp(exchanges: readonly Exchange[]): Exchange[] {
  return [...exchanges].sort((a, b) => a.timestamp - b.timestamp);
}
