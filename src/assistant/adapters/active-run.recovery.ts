import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from '@nestjs/common';
import { BadRequestError, type OpenAI } from 'openai';
import { abortedError, AssistantError, AssistantErrorCode } from '../errors/assistant.error';
import type { RunOwnership } from '../run-ownership.port';
import { isNotFound, translateOpenAiError } from './openai-error.translator';

const ACTIVE_RUN = /\b(run_[A-Za-z0-9_-]+)\b.*\bactive\b|\bactive run (run_[A-Za-z0-9_-]+)/;
const SETTLE_POLL_MS = 100;
const SETTLE_MAX_POLLS = 50;
/** How often a sibling's run is looked at while this call waits for it to end. */
const SIBLING_POLL_MS = 200;
/** Retry-After for a thread held by a run whose owner cannot be asked (Redis down). */
const OWNER_UNKNOWN_RETRY_AFTER_SECONDS = 5;
const TERMINAL = new Set(['completed', 'failed', 'cancelled', 'expired', 'incomplete']);

/**
 * A thread takes one run at a time, and while a run is active it refuses new
 * messages, runs and deletions. This knows how to get such a run out of the way.
 */
export class ActiveRunRecovery {
  constructor(
    private readonly client: OpenAI,
    private readonly logger: Logger,
    private readonly ownership: RunOwnership,
  ) {}

  /**
   * Runs `call`; if the thread is held by a run, tries once more after that run
   * is out of the way: a run that another live replica drives is waited for
   * (until it ends or its owner's claim expires), never cancelled; one that is
   * ours (lost: aborted, cut off) or nobody's (a crash's leftover) is cancelled.
   * `signal` bounds the wait.
   */
  async recovering<T>(threadId: string, call: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    try {
      return await call();
    } catch (error) {
      const activeRunId = activeRunOf(error);
      if (activeRunId === undefined) throw this.translate(error);
      if (!(await this.waitForSibling(threadId, activeRunId, signal))) {
        this.logger.warn(`thread ${threadId} is held by run ${activeRunId}, which no live process drives; cancelling it and retrying once`);
        await this.cancel(threadId, activeRunId);
        await this.settle(threadId, activeRunId);
      }
      try {
        return await call();
      } catch (retryError) {
        throw this.translate(retryError);
      }
    }
  }

  /** Best effort: a run left going keeps the thread locked and spends tokens. Never uses the caller's (aborted) signal. */
  async cancel(threadId: string, runId: string | undefined): Promise<void> {
    if (runId === undefined) return;
    try {
      await this.client.beta.threads.runs.cancel(runId, { thread_id: threadId });
    } catch (error) {
      this.logger.warn(`could not cancel run ${runId} on ${threadId}: ${(error as Error)?.name ?? 'error'}`);
    }
  }

  translate(error: unknown): AssistantError {
    if (isMissingThread(error)) {
      return new AssistantError(AssistantErrorCode.THREAD_NOT_FOUND, 'The thread no longer exists upstream', { cause: error });
    }
    return translateOpenAiError(error, 'answer');
  }

  /**
   * True once a run that a live sibling drives has ended; false as soon as
   * the run is (or becomes) ours or nobody's, which makes it ours to cancel.
   */
  private async waitForSibling(threadId: string, runId: string, signal: AbortSignal | undefined): Promise<boolean> {
    let waited = false;
    for (;;) {
      const owner = await this.ownerOf(runId);
      if (owner !== 'sibling' && !waited) return false;
      // Asked after the owner: a claim released because the run ended shows as a run that ended, not one to cancel.
      const run = await this.client.beta.threads.runs.retrieve(runId, { thread_id: threadId }).catch((error: unknown) => {
        if (isNotFound(error)) return undefined;
        throw error;
      });
      if (run === undefined || TERMINAL.has(run.status)) return true;
      if (owner !== 'sibling') return false;
      if (!waited) this.logger.log(`thread ${threadId} is held by run ${runId} of another live replica; waiting for it to end`);
      waited = true;
      // Not the SDK call: it would add an abort listener to `signal` per poll.
      await sleep(SIBLING_POLL_MS, undefined, { signal }).catch(() => {
        throw abortedError();
      });
    }
  }

  private async ownerOf(runId: string): ReturnType<RunOwnership['ownerOf']> {
    try {
      return await this.ownership.ownerOf(runId);
    } catch (error) {
      // Not knowing must never mean "nobody": that could cancel a sibling's live run.
      throw new AssistantError(
        AssistantErrorCode.UPSTREAM_UNAVAILABLE,
        'The conversation is held by a run whose owner cannot be checked (Redis cannot be reached); try again later',
        { cause: error, retryAfterSeconds: OWNER_UNKNOWN_RETRY_AFTER_SECONDS },
      );
    }
  }

  /** Waits (bounded) until a cancelled run has left the thread. */
  private async settle(threadId: string, runId: string): Promise<void> {
    for (let poll = 0; poll < SETTLE_MAX_POLLS; poll++) {
      const run = await this.client.beta.threads.runs.retrieve(runId, { thread_id: threadId }).catch(() => undefined);
      if (run === undefined || TERMINAL.has(run.status)) return;
      await sleep(SETTLE_POLL_MS);
    }
  }
}

/** "No thread found with id ..." as opposed to a missing assistant, which a new thread would not fix. */
function isMissingThread(error: unknown): boolean {
  return isNotFound(error) && /thread/i.test((error as Error).message) && !/assistant/i.test((error as Error).message);
}

/** The run id in "Thread thread_X already has an active run run_Y." or "Can't add messages to thread_X while a run run_Y is active." */
function activeRunOf(error: unknown): string | undefined {
  if (!(error instanceof BadRequestError)) return undefined;
  const match = ACTIVE_RUN.exec(error.message);
  return match?.[1] ?? match?.[2];
}
