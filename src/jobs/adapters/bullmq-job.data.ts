import type { Job, JobState } from 'bullmq';
import { ErrorCode } from '../../common/errors/error-code';
import type { Delivery, JobError, JobPhase, JobRequest, JobStatus, JobView, RecordedAnswer } from '../job';

export const CHAT_JOBS_QUEUE = 'jobs';
export const WEBHOOKS_QUEUE = 'webhooks';

/** A chat job's data in Redis: the request, then what the runs recorded. */
export interface BullJobData extends JobRequest {
  createdAt: number;
  phase: JobPhase;
  answer?: RecordedAnswer;
  /**
   * The final result, recorded before BullMQ is told, so that GET and the
   * webhook agree with it even if the process dies before BullMQ moves the job.
   */
  final?: 'succeeded' | 'failed';
  /** The final error, or the last one before a retry. */
  error?: JobError;
  finishedAt?: number;
  delivery?: Delivery;
}

export interface WebhookJobData {
  jobId: string;
}

export type ChatJob = Job<BullJobData, void>;

/** BullMQ's state when the job has no final result recorded (it has not finished, or BullMQ itself failed it). */
function statusOf(state: JobState | 'unknown'): JobStatus | undefined {
  switch (state) {
    case 'active':
      return 'running';
    case 'completed':
      return 'succeeded';
    case 'failed':
      return 'failed';
    case 'unknown':
      return undefined;
    default:
      // waiting, delayed (a retry's backoff), prioritized, waiting-children
      return 'queued';
  }
}

export async function viewOfBullJob(job: ChatJob): Promise<JobView | undefined> {
  const data = job.data;
  const status = data.final ?? statusOf(await job.getState());
  if (status === undefined) return undefined;
  const view: JobView = { id: job.id!, user: data.user, status };
  if (status === 'succeeded' && data.answer !== undefined) {
    view.answer = data.answer.exchange.bot;
    view.threadId = data.answer.threadId;
  }
  if (status === 'failed') {
    // Failed by BullMQ itself, without a run of ours to say why: it stopped too often while running.
    view.error = data.error ?? { code: ErrorCode.JOB_INTERRUPTED, message: 'The service stopped too often while running this job' };
  }
  if (data.delivery !== undefined) view.delivery = data.delivery;
  return view;
}
