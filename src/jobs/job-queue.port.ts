import type { JobRequest, JobView } from './job';

/**
 * Runs chat turns in the background. A job is accepted only once a restart
 * would find it; from then on it runs, or ends `failed` with a reason, and its
 * webhook (if any) is delivered: it is never silently lost.
 */
export abstract class JobQueue {
  /** Accepts the job (durably) and resolves with it, queued. */
  abstract submit(request: JobRequest): Promise<JobView>;
  /** The job, or undefined when there is none with that id (never was, or removed after the retention period). */
  abstract find(id: string): Promise<JobView | undefined>;
  /** Throws when jobs cannot be accepted now. */
  abstract checkHealth(): Promise<void>;
}
