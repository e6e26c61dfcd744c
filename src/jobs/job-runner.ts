import { Injectable, Logger } from '@nestjs/common';
import { ChatService } from '../chat/chat.service';
import { ErrorCode } from '../common/errors/error-code';
import { renderError } from '../common/errors/error-renderer';
import type { TurnLease } from '../turns/turn-lock.port';
import type { JobError, JobRecord, RecordedAnswer } from './job';

/**
 * Failures worth another attempt later (with REDIS_URL): the upstream or a store
 * was down, slow or throttled. A rejection (UPSTREAM_REJECTED), a failed or
 * incomplete response (UPSTREAM_FAILED) or a bad request would fail again.
 */
const RETRYABLE: ReadonlySet<string> = new Set([
  ErrorCode.UPSTREAM_UNAVAILABLE,
  ErrorCode.UPSTREAM_RATE_LIMITED,
  ErrorCode.UPSTREAM_UNREACHABLE,
  ErrorCode.UPSTREAM_TIMEOUT,
  ErrorCode.STORE_UNAVAILABLE,
  ErrorCode.STORAGE_WRITE_FAILED,
  // The turn's shared lease was lost (Redis failed over or stalled): the turn was stopped and taken back.
  ErrorCode.ABORTED,
]);

export type TurnOutcome =
  | { kind: 'succeeded'; answer: RecordedAnswer }
  | { kind: 'failed'; error: JobError; retryable: boolean }
  /** Stopped (a shutdown) before the question went upstream: nothing happened, the job may run later. */
  | { kind: 'stopped' };

/** How a queue records a job's phase; each resolves once the change is durable. */
export interface JobProgress {
  asking(): Promise<void>;
  answered(answer: RecordedAnswer): Promise<void>;
  /** The turn failed and left nothing upstream: the job may run again from the start. */
  reset(): Promise<void>;
}

export interface JobTurn {
  job: Pick<JobRecord, 'id' | 'user' | 'message' | 'settings' | 'phase' | 'answer'>;
  progress: JobProgress;
  /** The job's place in its user's line, taken earlier; without it the turn takes one when it starts. */
  place?: Promise<TurnLease>;
  /** Fires when the service stops: the turn stops as a live one whose client leaves. */
  signal?: AbortSignal;
}

export const INTERRUPTED_MESSAGE =
  'The service stopped while the model was answering this job; it is not asked again, since the question may already be in the conversation';

/**
 * Runs one job's turn through ChatService, as a live request is run (logging,
 * take-back of unacknowledged turns, metrics, the thread registry), recording
 * its phase before each step that must not be repeated: `asking` before the
 * question goes upstream, the answer as soon as it arrives (before it is
 * logged). A job found `asking` is never asked again; one found `answered`
 * only has its exchange logged, once.
 */
@Injectable()
export class JobRunner {
  private readonly logger = new Logger('Jobs');

  constructor(private readonly chat: ChatService) {}

  async run(turn: JobTurn): Promise<TurnOutcome> {
    const { job, place, signal } = turn;
    switch (job.phase) {
      case 'asking':
        void place?.then((lease) => lease.release(), () => undefined);
        return interrupted();
      case 'answered':
        if (job.answer === undefined) return interrupted();
        try {
          await this.chat.logAnswered(job.user, job.answer.exchange, place, signal);
          return { kind: 'succeeded', answer: job.answer };
        } catch (error) {
          return signal?.aborted ? { kind: 'stopped' } : this.failure(job.id, error);
        }
      case 'pending':
        return this.ask(turn);
      default: {
        const unknown: never = job.phase;
        throw new Error(`Unknown job phase ${JSON.stringify(unknown)}`);
      }
    }
  }

  private async ask({ job, progress, place, signal }: JobTurn): Promise<TurnOutcome> {
    let asked = false;
    let recorded: RecordedAnswer | undefined;
    try {
      await this.chat.chat({
        user: job.user,
        message: job.message,
        settings: job.settings,
        signal,
        place,
        beforeAsk: async () => {
          asked = true;
          await progress.asking();
        },
        onAnswer: async (answered) => {
          await progress.answered(answered);
          recorded = answered;
        },
      });
      if (recorded === undefined) throw new Error('the turn ended without recording its answer');
      return { kind: 'succeeded', answer: recorded };
    } catch (error) {
      if (signal?.aborted) return asked ? interrupted() : { kind: 'stopped' };
      // ChatService took the turn back out of the conversation: running it again asks nothing twice.
      if (asked) await progress.reset().catch((resetError: unknown) => this.logger.warn(`job ${job.id}: could not record its reset (${describe(resetError)})`));
      return this.failure(job.id, error);
    }
  }

  /** The error body a live request would have had: its code and safe message. */
  private failure(jobId: string, error: unknown): TurnOutcome {
    const { body, unexpected } = renderError(error, jobId);
    if (unexpected) this.logger.error(`job ${jobId} failed`, (error as Error)?.stack ?? String(error));
    const message = typeof body.message === 'string' ? body.message : body.message.join('; ');
    return { kind: 'failed', error: { code: body.code, message }, retryable: RETRYABLE.has(body.code) };
  }
}

function interrupted(): TurnOutcome {
  return { kind: 'failed', error: { code: ErrorCode.JOB_INTERRUPTED, message: INTERRUPTED_MESSAGE }, retryable: false };
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
