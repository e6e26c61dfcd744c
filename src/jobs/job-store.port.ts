import type { JobRecord } from './job';

/**
 * Where the in-process queue keeps its jobs, so that a restart finds them.
 * An adapter resolves a change only once it is durable; reads return copies.
 */
export abstract class JobStore {
  /** Stores the record whole, replacing any record with its id. */
  abstract put(record: JobRecord): Promise<void>;
  abstract get(id: string): Promise<JobRecord | undefined>;
  /**
   * Jobs with work left after a restart: not finished yet, or finished with a
   * webhook still to deliver; oldest `createdAt` first.
   */
  abstract unsettled(): Promise<JobRecord[]>;
  /** Removes jobs that finished before `finishedBefore` (unix ms) and have no delivery pending; returns how many. */
  abstract removeFinished(finishedBefore: number): Promise<number>;
  /** Throws when the store cannot take writes now. */
  abstract checkHealth(): Promise<void>;
  /** Settles once every accepted change is durable. */
  abstract flush(): Promise<void>;
}
