import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from '@nestjs/common';
import { BadRequestError, type OpenAI } from 'openai';
import { AssistantError, AssistantErrorCode } from '../errors/assistant.error';
import { isNotFound, translateOpenAiError } from './openai-error.translator';

const ACTIVE_RUN = /\b(run_[A-Za-z0-9_-]+)\b.*\bactive\b|\bactive run (run_[A-Za-z0-9_-]+)/;
const SETTLE_POLL_MS = 100;
const SETTLE_MAX_POLLS = 50;
const TERMINAL = new Set(['completed', 'failed', 'cancelled', 'expired', 'incomplete']);

/**
 * A thread takes one run at a time, and while a run is active it refuses new
 * messages, runs and deletions. This knows how to get such a run out of the way.
 */
export class ActiveRunRecovery {
  constructor(
    private readonly client: OpenAI,
    private readonly logger: Logger,
  ) {}

  /**
   * Runs `call`; if the thread is held by a run that nobody waits for (a crash
   * left it active, or our own cancelled run is still winding down), cancels
   * that run and tries once more.
   */
  async recovering<T>(threadId: string, call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (error) {
      const activeRunId = activeRunOf(error);
      if (activeRunId === undefined) throw this.translate(error);
      this.logger.warn(`thread ${threadId} is held by run ${activeRunId}; cancelling it and retrying once`);
      await this.cancel(threadId, activeRunId);
      await this.settle(threadId, activeRunId);
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
