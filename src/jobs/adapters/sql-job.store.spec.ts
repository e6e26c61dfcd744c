import { Logger } from '@nestjs/common';
import { jobRecord, jobStoreSuite } from '../../../test/support/job-store.suite';
import { postgresTarget, sqliteTarget, sqlStoreFixture } from '../../../test/support/sql-databases';
import { refuseInserts } from '../../../test/support/sql-triggers';
import { StorageErrorCode } from '../../persistence/errors/storage.error';
import { SqlJobStore } from './sql-job.store';

beforeAll(() => Logger.overrideLogger(false));
afterAll(() => Logger.overrideLogger(new Logger()));

for (const target of [sqliteTarget(), postgresTarget()]) {
  afterAll(() => target.dispose());
  const open = () => sqlStoreFixture(target, (database) => new SqlJobStore(database));
  jobStoreSuite(`SqlJobStore on ${target.name}`, open);

  describe(`SqlJobStore on ${target.name}`, () => {
    let fixture: Awaited<ReturnType<typeof open>>;
    beforeEach(async () => (fixture = await open()));
    afterEach(() => fixture.cleanup());

    it('reports a job the database refuses as WRITE_FAILED and stores nothing', async () => {
      const allow = await refuseInserts(fixture.config, 'jobs');
      try {
        await expect(fixture.store.put(jobRecord(1))).rejects.toMatchObject({ code: StorageErrorCode.WRITE_FAILED });
      } finally {
        await allow();
      }
      expect(await fixture.store.get(jobRecord(1).id)).toBeUndefined();
    });

    it('sees the jobs another connection stored, as a restarted process does', async () => {
      await fixture.store.put(jobRecord(1, { status: 'running', phase: 'asking' }));
      const other = await fixture.reopen();
      expect(await other.unsettled()).toEqual([jobRecord(1, { status: 'running', phase: 'asking' })]);
    });
  });
}
