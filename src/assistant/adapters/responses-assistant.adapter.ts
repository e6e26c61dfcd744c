import { setTimeout as sleep } from 'node:timers/promises';
import { Logger } from '@nestjs/common';
import type OpenAI from 'openai';
import { BadRequestError, type NotFoundError } from 'openai';
import type { Response, ResponseCreateParamsNonStreaming } from 'openai/resources/responses/responses';
import type { ResponsesSettings } from '../../config/openai.config';
import { AssistantService, type TurnAnswer, type TurnReceipt, type TurnRequest } from '../assistant.port';
import { abortedError, AssistantError, AssistantErrorCode, withReceipt } from '../errors/assistant.error';
import { ConversationTurnRemover } from './conversation-turn-remover';
import type { IdleWatchdog } from './idle-watchdog';
import type { OpenAiClient } from './openai-client.factory';
import { isNotFound, translateOpenAiError } from './openai-error.translator';
import { answerOfResponse, readResponseStream, type ResponseProgress, usageOfResponse } from './response-stream';
import type { UpstreamAttempts } from './upstream-attempts';

/**
 * Waits between attempts while another process holds the conversation
 * (`conversation_locked`, a 400 that the SDK does not retry): about 6 s in all.
 */
const LOCKED_RETRY_DELAYS_MS = [200, 400, 800, 1600, 3200];

/** Conversations + Responses: a thread is a conversation, a turn is one response on it. */
export class ResponsesAssistantAdapter extends AssistantService {
  readonly mode = 'responses' as const;
  private readonly logger = new Logger(ResponsesAssistantAdapter.name);
  private readonly client: OpenAI;
  private readonly attempts: UpstreamAttempts;
  private readonly remover: ConversationTurnRemover;

  constructor(
    { client, attempts }: OpenAiClient,
    private readonly settings: ResponsesSettings,
  ) {
    super();
    this.client = client;
    this.attempts = attempts;
    this.remover = new ConversationTurnRemover(client, attempts);
  }

  createThread(signal?: AbortSignal): Promise<string> {
    return this.attempts.guard(signal, async (watchdog) => {
      try {
        return (await this.client.conversations.create({}, { signal: watchdog.signal })).id;
      } catch (error) {
        throw translateOpenAiError(error, 'start a conversation');
      }
    });
  }

  async answer(request: TurnRequest): Promise<TurnAnswer> {
    const progress: ResponseProgress = { addedIds: [] };
    const receipt = (): TurnReceipt => ({ threadId: request.threadId, message: request.message, addedIds: [...progress.addedIds] });
    try {
      const response = await this.attempts.guard(request.signal, (watchdog) => this.respond(request, watchdog, progress));
      return { text: answerOfResponse(response), model: response.model, usage: usageOfResponse(response), receipt: receipt() };
    } catch (error) {
      const failure = translateOpenAiError(error, 'answer');
      // A conversation that is gone upstream holds nothing to take back.
      throw failure.code === AssistantErrorCode.THREAD_NOT_FOUND ? failure : withReceipt(failure, receipt());
    }
  }

  discardTurn(receipt: TurnReceipt): Promise<void> {
    return this.remover.remove(receipt);
  }

  async deleteThread(threadId: string): Promise<void> {
    await this.attempts.guard(undefined, async (watchdog) => {
      try {
        await this.client.conversations.delete(threadId, { signal: watchdog.signal });
      } catch (error) {
        if (!isNotFound(error)) throw translateOpenAiError(error, 'delete the conversation');
      }
    });
  }

  private async respond(request: TurnRequest, watchdog: IdleWatchdog, progress: ResponseProgress): Promise<Response> {
    const params = this.params(request);
    const { onDelta } = request;
    if (onDelta === undefined) {
      const response = await this.whileLocked(watchdog, () => this.client.responses.create(params, { signal: watchdog.signal }));
      for (const item of response.output) if (item.id !== undefined) progress.addedIds.push(item.id);
      return response;
    }
    const stream = await this.whileLocked(watchdog, () => this.client.responses.create({ ...params, stream: true }, { signal: watchdog.signal }));
    const response = await readResponseStream(stream, watchdog, progress, onDelta);
    if (response !== undefined) return response;
    // Cut off by the signal (a stall becomes a timeout in the guard), or by the upstream.
    if (watchdog.signal.aborted) throw abortedError();
    throw new AssistantError(AssistantErrorCode.UPSTREAM_FAILED, 'The assistant stream ended before the answer was complete');
  }

  private params({ threadId, message, settings = {} }: TurnRequest): ResponseCreateParamsNonStreaming {
    return {
      model: settings.model ?? this.settings.model,
      conversation: threadId,
      input: message,
      // Instructions are not stored in the conversation: they go with every turn.
      instructions: this.settings.instructions,
      temperature: settings.temperature ?? this.settings.temperature,
      max_output_tokens: settings.maxOutputTokens ?? this.settings.maxOutputTokens,
    };
  }

  /** Runs `call`, retrying with backoff while the conversation is locked by someone else; the waits are not upstream time. */
  private async whileLocked<T>(watchdog: IdleWatchdog, call: () => Promise<T>): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await call();
      } catch (error) {
        if (isMissingConversation(error)) {
          throw new AssistantError(AssistantErrorCode.THREAD_NOT_FOUND, 'The conversation no longer exists upstream', { cause: error });
        }
        const delay = LOCKED_RETRY_DELAYS_MS[attempt];
        if (!isConversationLocked(error)) throw translateOpenAiError(error, 'answer');
        if (delay === undefined) {
          throw new AssistantError(AssistantErrorCode.UPSTREAM_UNAVAILABLE, 'The conversation is busy upstream; try again shortly', {
            cause: error,
            retryAfterSeconds: 1,
          });
        }
        this.logger.debug(`conversation locked upstream; retrying in ${delay} ms`);
        watchdog.pause();
        await sleep(delay, undefined, { signal: watchdog.signal }).catch(() => {
          throw abortedError();
        });
      }
    }
  }
}

/** A 404 about the conversation, not about the model. */
function isMissingConversation(error: unknown): boolean {
  return isNotFound(error) && (error as NotFoundError).code !== 'model_not_found' && (error as NotFoundError).param !== 'model';
}

function isConversationLocked(error: unknown): boolean {
  return error instanceof BadRequestError && error.code === 'conversation_locked';
}
