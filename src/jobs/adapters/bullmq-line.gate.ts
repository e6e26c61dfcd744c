import type { Queue } from 'bullmq';
import type { BullJobData, ChatJob } from './bullmq-job.data';
import type { UserJobLines } from './bullmq-user-lines';

/** A job behind others looks again after this long per job ahead of it, and at most after MAX_RECHECK_MS. */
const RECHECK_PER_JOB_AHEAD_MS = 100;
const MAX_RECHECK_MS = 2000;

/**
 * Lets a worker run a user's job only when it is first in that user's line.
 * A job with others ahead does not hold its worker: it goes back to the queue,
 * delayed, and the job that finishes ahead of it brings it forward.
 */
export class JobLineGate {
  constructor(
    private readonly lines: UserJobLines,
    private readonly jobs: Queue<BullJobData>,
  ) {}

  /** Undefined when the job may run now; else how long to wait before looking again. */
  async waitFor(job: ChatJob): Promise<number | undefined> {
    const { user } = job.data;
    for (;;) {
      const { head, ahead } = await this.lines.position(user, job.id!);
      // Not in line (its line was lost with Redis's data): nothing is known to be ahead of it.
      if (head === undefined || head === job.id || ahead === undefined) return undefined;
      if (!(await this.settled(head))) return Math.min(MAX_RECHECK_MS, RECHECK_PER_JOB_AHEAD_MS * ahead);
      // The job ahead finished without leaving the line (its worker died in between), or is gone.
      await this.lines.leave(user, head);
    }
  }

  /** Leaves the line and wakes the job now first in it, if it waits. */
  async leave(job: ChatJob): Promise<void> {
    const { user } = job.data;
    await this.lines.leave(user, job.id!);
    const next = await this.lines.head(user);
    const waiting = next === undefined ? undefined : await this.jobs.getJob(next);
    if (waiting !== undefined && (await waiting.isDelayed())) await waiting.promote().catch(() => undefined);
  }

  private async settled(id: string): Promise<boolean> {
    const job = await this.jobs.getJob(id);
    if (job === undefined || job.data.final !== undefined) return true;
    const state = await job.getState();
    return state === 'completed' || state === 'failed' || state === 'unknown';
  }
}
