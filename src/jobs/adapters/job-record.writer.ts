import { Logger } from '@nestjs/common';
import type { JobRecord } from '../job';
import type { JobStore } from '../job-store.port';

/** A final state that could not be written is tried again this often, until it is or the service stops. */
const RETRY_FINISH_MS = 2000;

/**
 * The one writer of a running job's record: changes are applied one after
 * another, each to the record the previous one left, so that a late change
 * (a turn that began as the job was being finished) can never undo an earlier
 * one it did not see.
 */
export class JobRecordWriter {
  private readonly logger = new Logger('Jobs');
  private chain: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly store: JobStore,
    private current: JobRecord,
  ) {}

  /** Applies `change` to the latest record and resolves once it is durable; a change that returns the record unchanged writes nothing. */
  update(change: (current: JobRecord) => JobRecord): Promise<void> {
    const next = this.chain.then(async () => {
      const record = change(this.current);
      if (record === this.current) return;
      await this.store.put(record);
      this.current = record;
    });
    this.chain = next.catch(() => undefined);
    return next;
  }

  /**
   * Writes the job's final state, trying again while the store refuses it: a
   * job must not stay `running`. Gives up only when `stopping` says the service
   * stops; the next start then finds the job unfinished and settles it from its phase.
   */
  async finish(change: (current: JobRecord) => JobRecord, stopping: () => boolean): Promise<JobRecord | undefined> {
    for (;;) {
      try {
        await this.update(change);
        return this.current;
      } catch (error) {
        this.logger.warn(`job ${this.current.id}: its final state could not be written (${(error as Error).message}); trying again`);
        if (stopping()) return undefined;
        await new Promise((resolve) => setTimeout(resolve, RETRY_FINISH_MS).unref());
      }
    }
  }
}
