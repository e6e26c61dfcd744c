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
      for (const n of [1, 2, 3]) await store.append('alice', exchange(n));
      expect(await store.history('alice')).toEqual([exchange(1), exchange(2), exchange(3)]);
    });

    it('keeps users apart', async () => {
      await store.append('alice', exchange(1, 'a'));
      await store.append('bob', exchange(1, 'b'));
      expect(await store.history('alice')).toEqual([exchange(1, 'a')]);
      expect(await store.history('bob')).toEqual([exchange(1, 'b')]);
    });

    it.each(['nobody', 'toString', 'constructor', '__proto__', 'hasOwnProperty'])(
      'gives the unknown user %s an empty list',
      async (userId) => {
        await store.append('someone-else', exchange(1));
        expect(await store.history(userId)).toEqual([]);
      },
    );

    it('hands out a copy of the list: changing it does not change the store', async () => {
      await store.append('alice', exchange(1));
      const history = (await store.history('alice')) as Exchange[];
      history.push(exchange(99));
      history.splice(0, 1);
      expect(await store.history('alice')).toEqual([exchange(1)]);
    });

    it('hands out copies of the exchanges: changing one does not change the store', async () => {
      await store.append('alice', exchange(1));
      const [first] = await store.history('alice');
      (first as Exchange).bot = 'tampered';
      expect(await store.history('alice')).toEqual([exchange(1)]);
    });

    it('keeps all of 200 concurrent appends across 20 users, across a reopen', async () => {
      const users = Array.from({ length: 20 }, (_, u) => `user-${u}`);
      const expected = new Map(users.map((user) => [user, [] as Exchange[]]));
      const appends: Promise<void>[] = [];
      for (let n = 0; n < 200; n += 1) {
        const user = users[n % users.length];
        const entry = exchange(n, `${user}:`);
        expected.get(user)?.push(entry);
        appends.push(store.append(user, entry));
      }
      await Promise.all(appends);

      const reopened = await fixture.reopen();
      for (const [user, entries] of expected) {
        const stored = await reopened.history(user);
        expect(sortByTimestamp(stored)).toEqual(entries);
      }
    });

    it.each(['__proto__', 'constructor', 'a:b@c.d-e_f'])('stores and reloads the user id %s', async (userId) => {
      await store.append(userId, exchange(1));
      await store.append(userId, exchange(2));
      expect(await store.history(userId)).toEqual([exchange(1), exchange(2)]);
      const reopened = await fixture.reopen();
      expect(await reopened.history(userId)).toEqual([exchange(1), exchange(2)]);
      expect(await reopened.history('other')).toEqual([]);
    });

    it('flush resolves once appends still in progress are durable', async () => {
      const appends = Array.from({ length: 30 }, (_, n) => store.append(`user-${n % 3}`, exchange(n)));
      await store.flush();
      const reopened = await fixture.reopen();
      const stored = [
        ...(await reopened.history('user-0')),
        ...(await reopened.history('user-1')),
        ...(await reopened.history('user-2')),
      ];
      expect(stored).toHaveLength(30);
      await Promise.all(appends);
    });

    it('flush resolves at once when nothing is pending', async () => {
      await expect(store.flush()).resolves.toBeUndefined();
    });

    it('keeps the exact user text, bot text and timestamp across a reopen', async () => {
      const exact: Exchange = { user: 'Hello! "quoted" \\ ünïcödé 😀\n', bot: 'Hello there!\t</script>', timestamp: 1696614303.123 };
      await store.append('user123', exact);
      const reopened = await fixture.reopen();
      const [stored] = await reopened.history('user123');
      expect(stored).toEqual(exact);
      expect(stored.timestamp).toBe(1696614303.123);
    });

    it('appends after a reopen to what was already there', async () => {
      await store.append('alice', exchange(1));
      const reopened = await fixture.reopen();
      await reopened.append('alice', exchange(2));
      const again = await fixture.reopen();
      expect(await again.history('alice')).toEqual([exchange(1), exchange(2)]);
    });

    it('can take writes (assertWritable resolves)', async () => {
      await expect(store.assertWritable()).resolves.toBeUndefined();
    });
  });
}

function sortByTimestamp(exchanges: readonly Exchange[]): Exchange[] {
  return [...exchanges].sort((a, b) => a.timestamp - b.timestamp);
}
