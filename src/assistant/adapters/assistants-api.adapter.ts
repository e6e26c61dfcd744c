import { setTimeout as sleep } from 'node:timers/promises';
import { Logger } from '@nestjs/common';
import { BadRequestError, type OpenAI } from 'openai';
import type { OpenAiConnection } from '../../config/openai.config';
import { AssistantService, type StreamTurnOptions, type TurnOptions } from '../assistant.port';
import { AssistantError, AssistantErrorCode } from '../errors/assistant.error';
import { answerOfRun, applyRunEvent, startProgress } from './assistants-run.events';
import { IdleWatchdog } from './idle-watchdog';
import { isNotFound, translateOpenAiError } from './openai-error.translator';

const ACTIVE_RUN = /\b(run_[A-Za-z0-9_-]+)\b.*\bactive\b|\bactive run (run_[A-Za-z0-9_-]+)/;
const SETTLE_POLL_MS = 100;
const SETTLE_MAX_POLLS = 50;
const TERMINAL = new Set(['completed', 'failed', 'cancelled', 'expired', 'incomplete']);

/**
 * Assistants API v2: a thread per user, a run per message. Runs are streamed,
 * so an answer returns the moment its run completes (no 5 s poll interval),
 * and a run nobody waits for any more is cancelled instead of paid for.
 */
export class AssistantsApiAdapter extends AssistantService {
  readonly mode = 'assistants' as const;
  private readonly logger = new Logger(AssistantsApiAdapter.name);

  constructor(
    private readonly client: OpenAI,
    private readonly assistantId: string,
    private readonly connection: OpenAiConnection,
  ) {
    super();
  }

  createThread({ signal }: TurnOptions = {}): Promise<string> {
    return IdleWatchdog.guard(this.connection.timeoutMs, signal, async (watchdog) => {
      try {
        return (await this.client.beta.threads.create({}, { signal: watchdog.signal })).id;
      } catch (error) {
        throw translateOpenAiError(error, 'start a thread');
      }
    });
  }

  answer(threadId: string, message: string, options: TurnOptions = {}): Promise<string> {
    return this.streamAnswer(threadId, message, { ...options, onDelta: () => undefined });
  }

  streamAnswer(threadId: string, message: string, { signal, onDelta }: StreamTurnOptions): Promise<string> {
    return IdleWatchdog.guard(this.connection.timeoutMs, signal, async (watchdog) => {
      await this.recoveringActiveRun(threadId, () =>
        this.client.beta.threads.messages.create(threadId, { role: 'user', content: message }, { signal: watchdog.signal }),
      );
      const progress = startProgress();
      try {
        const stream = await this.recoveringActiveRun(threadId, () =>
          this.client.beta.threads.runs.create(threadId, { assistant_id: this.assistantId, stream: true }, { signal: watchdog.signal }),
        );
        for await (const event of stream) {
          watchdog.touch();
          const delta = applyRunEvent(progress, event);
          if (delta !== undefined) onDelta(delta);
          if (progress.outcome !== undefined) break;
        }
      } catch (error) {
        await this.cancelRun(threadId, progress.runId);
        throw this.translateCall(error);
      }
      if (progress.outcome === undefined) {
        // Aborted (the SDK then ends the iteration quietly) or cut off: either way nobody gets this run's answer.
        await this.cancelRun(threadId, progress.runId);
        if (watchdog.signal.aborted) throw new AssistantError(AssistantErrorCode.ABORTED, 'The request was cancelled');
      }
      if (progress.outcome?.run.status === 'requires_action') await this.cancelRun(threadId, progress.runId);
      return answerOfRun(progress);
    });
  }

  async deleteThread(threadId: string): Promise<void> {
    try {
      await this.client.beta.threads.delete(threadId);
    } catch (error) {
      if (isNotFound(error)) return;
      throw translateOpenAiError(error, 'delete the thread');
    }
  }

  /**
   * Runs `call`; if the thread is held by a run that nobody waits for (a crash
   * left it active), cancels that run and tries once more.
   */
  private async recoveringActiveRun<T>(threadId: string, call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (error) {
      const staleRunId = activeRunOf(error);
      if (staleRunId === undefined) throw this.translateCall(error);
      this.logger.warn(`thread ${threadId} was held by run ${staleRunId}; cancelling it and retrying once`);
      await this.cancelRun(threadId, staleRunId);
      await this.settle(threadId, staleRunId);
      try {
        return await call();
      } catch (retryError) {
        throw this.translateCall(retryError);
      }
    }
  }

  /** Best effort: a run left going keeps the thread locked and spends tokens. Never uses the caller's (aborted) signal. */
  private async cancelRun(threadId: string, runId: string | undefined): Promise<void> {
    if (runId === undefined) return;
    try {
      await this.client.beta.threads.runs.cancel(runId, { thread_id: threadId });
    } catch (error) {
      this.logger.warn(`could not cancel run ${runId} on ${threadId}: ${(error as Error)?.name ?? 'error'}`);
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

  private translateCall(error: unknown): AssistantError {
    if (isMissingThread(error)) {
      return new AssistantError(AssistantErrorCode.THREAD_NOT_FOUND, 'The thread no longer exists upstream', { cause: error });
    }
    return translateOpenAiError(error, 'answer');
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
