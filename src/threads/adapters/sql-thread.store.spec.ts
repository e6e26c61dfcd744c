import { Logger } from '@nestjs/common';
import { postgresTarget, sqliteTarget, sqlStoreFixture } from '../../../test/support/sql-databases';
import { refuseInserts } from '../../../test/support/sql-triggers';
import { threadRecord, threadStoreSuite } from '../../../test/support/thread-store.suite';
import type { UserKey } from '../../auth/user-key';
import { StorageErrorCode } from '../../persistence/errors/storage.error';
import { SqlThreadStore } from './sql-thread.store';

beforeAll(() => Logger.overrideLogger(false));
afterAll(() => Logger.overrideLogger(new Logger()));

const alice: UserKey = { namespace: '', userId: 'alice' };

for (const target of [sqliteTarget(), postgresTarget()]) {
  afterAll(() => target.dispose());
  const open = () => sqlStoreFixture(target, (database) => new SqlThreadStore(database));
  threadStoreSuite(`SqlThreadStore on ${target.name}`, open);

  describe(`SqlThreadStore on ${target.name}, shared by two processes`, () => {
    let fixture: Awaited<ReturnType<typeof open>>;
    beforeEach(async () => (fixture = await open()));
    afterEach(() => fixture.cleanup());

    it('lets exactly one first mapping win across two connections, and tells both which', async () => {
      const other = await fixture.reopen();
      const swaps = Array.from({ length: 20 }, (_, n) => (n % 2 === 0 ? fixture.store : other).swap(alice, undefined, threadRecord(n)));
      const results = await Promise.all(swaps);
      const winner = await other.get(alice);
      expect(results).toEqual(results.map(() => winner));
    });

    it('lets exactly one replacement of the same mapping win across two connections', async () => {
      const other = await fixture.reopen();
      await fixture.store.swap(alice, undefined, threadRecord(1));
      const results = await Promise.all([
        fixture.store.swap(alice, 'thread_1', threadRecord(2)),
        other.swap(alice, 'thread_1', threadRecord(3)),
        other.swap(alice, 'thread_1', threadRecord(4)),
      ]);
      const winner = await fixture.store.get(alice);
      expect([threadRecord(2), threadRecord(3), threadRecord(4)]).toContainEqual(winner);
      expect(results).toEqual([winner, winner, winner]);
    });

    it('reports a mapping the database refuses as WRITE_FAILED and stores nothing', async () => {
      const allow = await refuseInserts(fixture.config, 'threads');
      try {
        await expect(fixture.store.swap(alice, undefined, threadRecord(1))).rejects.toMatchObject({ code: StorageErrorCode.WRITE_FAILED });
      } finally {
        await allow();
      }
      expect(await fixture.store.get(alice)).toBeUndefined();
    });
  });
}
