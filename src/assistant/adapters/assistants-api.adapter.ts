import { Logger } from '@nestjs/common';
import type OpenAI from 'openai';
import type { Run } from 'openai/resources/beta/threads/runs/runs';
import { AssistantService, type TokenUsage, type TurnAnswer, type TurnReceipt, type TurnRequest } from '../assistant.port';
import { abortedError, AssistantErrorCode, withReceipt } from '../errors/assistant.error';
import type { RunClaim, RunOwnership } from '../run-ownership.port';
import { ActiveRunRecovery } from './active-run.recovery';
import { answerOfRun, applyRunEvent, type RunProgress, startProgress } from './assistants-run.events';
import type { IdleWatchdog } from './idle-watchdog';
import type { OpenAiClient } from './openai-client.factory';
import { isNotFound, translateOpenAiError } from './openai-error.translator';
import type { UpstreamAttempts } from './upstream-attempts';

/**
 * Assistants API v2: a thread per user, a run per message. Runs are streamed,
 * so an answer returns the moment its run completes (no 5 s poll interval),
 * and a run nobody waits for any more is cancelled instead of paid for.
 */
export class AssistantsApiAdapter extends AssistantService {
  readonly mode = 'assistants' as const;
  private readonly logger = new Logger(AssistantsApiAdapter.name);
  private readonly client: OpenAI;
  private readonly attempts: UpstreamAttempts;
  private readonly runs: ActiveRunRecovery;

  constructor(
    { client, attempts }: OpenAiClient,
    private readonly assistantId: string,
    private readonly ownership: RunOwnership,
  ) {
    super();
    this.client = client;
    this.attempts = attempts;
    this.runs = new ActiveRunRecovery(client, this.logger, ownership);
  }

  createThread(signal?: AbortSignal): Promise<string> {
    return this.attempts.guard(signal, async (watchdog) => {
      try {
        return (await this.client.beta.threads.create({}, { signal: watchdog.signal })).id;
      } catch (error) {
        throw translateOpenAiError(error, 'start a thread');
      }
    });
  }

  async answer(request: TurnRequest): Promise<TurnAnswer> {
    const added: string[] = [];
    const progress = startProgress();
    const receipt = (): TurnReceipt => ({ threadId: request.threadId, message: request.message, addedIds: [...added, ...progress.messageIds] });
    try {
      const run = await this.attempts.guard(request.signal, (watchdog) => this.run(request, watchdog, progress, added));
      return { text: answerOfRun(progress), model: run.model, usage: usageOfRun(run), receipt: receipt() };
    } catch (error) {
      const failure = this.runs.translate(error);
      throw failure.code === AssistantErrorCode.THREAD_NOT_FOUND ? failure : withReceipt(failure, receipt());
    }
  }

  /** Deletes the run's messages, then the question; a run still holding the thread is cancelled first. */
  discardTurn({ threadId, addedIds }: TurnReceipt): Promise<void> {
    return this.attempts.guard(undefined, async (watchdog) => {
      for (const messageId of [...addedIds].reverse()) {
        await this.runs.recovering(threadId, async () => {
          try {
            await this.client.beta.threads.messages.delete(messageId, { thread_id: threadId }, { signal: watchdog.signal });
          } catch (error) {
            if (!isNotFound(error)) throw error;
          }
        });
      }
    });
  }

  async deleteThread(threadId: string): Promise<void> {
    await this.attempts.guard(undefined, async (watchdog) => {
      try {
        await this.client.beta.threads.delete(threadId, { signal: watchdog.signal });
      } catch (error) {
        if (!isNotFound(error)) throw translateOpenAiError(error, 'delete the thread');
      }
    });
  }

  private async run(request: TurnRequest, watchdog: IdleWatchdog, progress: RunProgress, added: string[]): Promise<Run> {
    const { threadId, message, settings = {}, onDelta } = request;
    const { signal } = watchdog;
    const question = await this.runs.recovering(
      threadId,
      () => this.client.beta.threads.messages.create(threadId, { role: 'user', content: message }, { signal }),
      signal,
    );
    added.push(question.id);
    // Siblings that find the thread held by this run wait for it instead of cancelling it.
    let claim: RunClaim | undefined;
    try {
      const stream = await this.runs.recovering(threadId, () =>
        this.client.beta.threads.runs.create(
          threadId,
          {
            assistant_id: this.assistantId,
            stream: true,
            model: settings.model,
            temperature: settings.temperature,
            max_completion_tokens: settings.maxOutputTokens,
          },
          { signal },
        ),
        signal,
      );
      for await (const event of stream) {
        watchdog.touch();
        const delta = applyRunEvent(progress, event);
        if (claim === undefined && progress.runId !== undefined) claim = await this.ownership.claim(progress.runId);
        if (delta !== undefined) onDelta?.(delta);
        if (progress.outcome !== undefined) break;
      }
    } catch (error) {
      await this.runs.cancel(threadId, progress.runId);
      claim?.release();
      throw error;
    }
    const run = progress.outcome?.run;
    // Aborted (the SDK then ends the iteration quietly), cut off, or waiting for a tool we do not serve: nobody gets this run's answer.
    if (run === undefined || run.status === 'requires_action') await this.runs.cancel(threadId, progress.runId);
    claim?.release();
    if (run === undefined && signal.aborted) throw abortedError();
    answerOfRun(progress);
    return run as Run;
  }
}

function usageOfRun(run: Run): TokenUsage | undefined {
  if (run.usage === null || run.usage === undefined) return undefined;
  return { input_tokens: run.usage.prompt_tokens, output_tokens: run.usage.completion_tokens, total_tokens: run.usage.total_tokens };
}
