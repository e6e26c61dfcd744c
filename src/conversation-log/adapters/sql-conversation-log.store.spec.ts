import { Logger } from '@nestjs/common';
import { conversationLogStoreSuite, exchange, user, wholeHistory } from '../../../test/support/conversation-log-store.suite';
import { freePort } from '../../../test/support/servers/tcp-port.probe';
import { postgresTarget, sqlConfig, sqliteTarget, sqlStoreFixture } from '../../../test/support/sql-databases';
import { refuseInserts } from '../../../test/support/sql-triggers';
import { SqlDatabase } from '../../database/sql-database';
import { StorageError, StorageErrorCode } from '../../persistence/errors/storage.error';
import { createSqlDialect } from '../../persistence/store-adapters';
import type { Exchange } from '../conversation-log.port';
import { SqlConversationLogStore } from './sql-conversation-log.store';

beforeAll(() => Logger.overrideLogger(false));
afterAll(() => Logger.overrideLogger(new Logger()));

for (const target of [sqliteTarget(), postgresTarget()]) {
  afterAll(() => target.dispose());
  const open = () => sqlStoreFixture(target, (database) => new SqlConversationLogStore(database));
  conversationLogStoreSuite(`SqlConversationLogStore on ${target.name}`, open);

  describe(`SqlConversationLogStore on ${target.name}, beyond the contract`, () => {
    let fixture: Awaited<ReturnType<typeof open>>;
    beforeEach(async () => (fixture = await open()));
    afterEach(() => fixture.cleanup());

    it('stores every timestamp as the exact double it was, finer than milliseconds too', async () => {
      const timestamps = [1696614303.123, 1696614303.1234567, 0.1 + 0.2, 1764460800, 1764460800.999, 4102444800.001];
      const entries: Exchange[] = timestamps.map((timestamp, n) => ({ user: `q${n}`, bot: `a${n}`, timestamp }));
      for (const entry of entries) await fixture.store.append(user('alice'), entry);
      const stored = await wholeHistory(await fixture.reopen(), user('alice'));
      expect(stored.map((entry) => entry.timestamp)).toEqual(timestamps);
      // Re-importing them finds every one: equality is exact, not approximate.
      expect(await fixture.store.importExchanges(user('alice'), entries)).toBe(0);
    });

    it('imports older exchanges into a live log in timestamp order, keeping model and usage of the rows it moves', async () => {
      const live: Exchange = { ...exchange(5), model: 'gpt-5-mini', usage: { input_tokens: 1, output_tokens: 2, total_tokens: 3 } };
      await fixture.store.append(user('alice'), live);
      await fixture.store.append(user('alice'), exchange(6));
      await fixture.store.append(user('bob'), exchange(4));
      expect(await fixture.store.importExchanges(user('alice'), [exchange(7), exchange(1), exchange(3), exchange(1)])).toBe(3);
      expect(await wholeHistory(fixture.store, user('alice'))).toEqual([exchange(1), exchange(3), live, exchange(6), exchange(7)]);
      expect(await wholeHistory(fixture.store, user('bob'))).toEqual([exchange(4)]);
      // Cursors stay consistent with the new order.
      const newest = await fixture.store.page(user('alice'), { limit: 2 });
      expect(newest.exchanges).toEqual([exchange(6), exchange(7)]);
      expect((await fixture.store.page(user('alice'), { limit: 2, before: newest.nextBefore })).exchanges).toEqual([exchange(3), live]);
    });

    it('lists users across many export batches, each user whole and in order', async () => {
      const counts = new Map([['a', 1], ['b', 1499], ['c', 1], ['d', 1001]]);
      for (const [id, count] of counts) {
        await fixture.store.importExchanges(user(id, id === 'c' ? 'key:crm' : ''), Array.from({ length: count }, (_, n) => exchange(n, id)));
      }
      const listed: Array<[string, number, boolean]> = [];
      for await (const { user: key, exchanges } of fixture.store.users()) {
        const inOrder = exchanges.every((entry, n) => entry.timestamp === exchange(n).timestamp);
        listed.push([`${key.namespace}/${key.userId}`, exchanges.length, inOrder]);
      }
      expect(listed.sort()).toEqual([['/a', 1, true], ['/b', 1499, true], ['/d', 1001, true], ['key:crm/c', 1, true]]);
    });

    it('reports a write the database refuses as WRITE_FAILED, and keeps nothing of it', async () => {
      await fixture.store.append(user('alice'), exchange(1));
      const allow = await refuseInserts(fixture.config, 'exchanges');
      try {
        const failure = await fixture.store.append(user('alice'), exchange(2)).catch((error: unknown) => error);
        expect(failure).toBeInstanceOf(StorageError);
        expect(failure).toMatchObject({ code: StorageErrorCode.WRITE_FAILED, details: { retryAfterSeconds: 5 } });
      } finally {
        await allow();
      }
      expect(await wholeHistory(fixture.store, user('alice'))).toEqual([exchange(1)]);
      await expect(fixture.store.flush()).resolves.toBeUndefined();
    });
  });
}

describe('SqlConversationLogStore on a PostgreSQL server that is not there', () => {
  it('answers every call with UNAVAILABLE, quickly', async () => {
    const config = sqlConfig(`postgres://chat:secret@127.0.0.1:${await freePort()}/chat`, { DATABASE_CONNECT_TIMEOUT_MS: '1000' });
    const database = new SqlDatabase(createSqlDialect(config), config.database);
    const store = new SqlConversationLogStore(database);
    const started = Date.now();
    for (const call of [store.append(user('alice'), exchange(1)), store.page(user('alice'), { limit: 10 }), store.erase(user('alice')), store.checkHealth()]) {
      await expect(call).rejects.toMatchObject({ code: StorageErrorCode.UNAVAILABLE, details: { retryAfterSeconds: 5 } });
    }
    expect(Date.now() - started).toBeLessThan(5000);
    await database.close();
  });
});

