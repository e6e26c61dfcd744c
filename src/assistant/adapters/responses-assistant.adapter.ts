import { setTimeout as sleep } from 'node:timers/promises';
import { Logger } from '@nestjs/common';
import type OpenAI from 'openai';
import { BadRequestError, type NotFoundError } from 'openai';
import type { Response, ResponseCreateParamsNonStreaming } from 'openai/resources/responses/responses';
import type { OpenAiConnection, ResponsesSettings } from '../../config/openai.config';
import { AssistantService, type StreamTurnOptions, type TurnOptions } from '../assistant.port';
import { AssistantError, AssistantErrorCode } from '../errors/assistant.error';
import { IdleWatchdog } from './idle-watchdog';
import { isNotFound, safeCode, translateOpenAiError } from './openai-error.translator';

/**
 * Waits between attempts while another process holds the conversation
 * (`conversation_locked`, a 400 that the SDK does not retry): about 6 s in all.
 */
const LOCKED_RETRY_DELAYS_MS = [200, 400, 800, 1600, 3200];

/** Conversations + Responses: a thread is a conversation, a turn is one response on it. */
export class ResponsesAssistantAdapter extends AssistantService {
  readonly mode = 'responses' as const;
  private readonly logger = new Logger(ResponsesAssistantAdapter.name);

  constructor(
    private readonly client: OpenAI,
    private readonly settings: ResponsesSettings,
    private readonly connection: OpenAiConnection,
  ) {
    super();
  }

  createThread({ signal }: TurnOptions = {}): Promise<string> {
    return this.guarded(signal, async (watchdog) => {
      try {
        return (await this.client.conversations.create({}, { signal: watchdog.signal })).id;
      } catch (error) {
        throw translateOpenAiError(error, 'start a conversation');
      }
    });
  }

  answer(threadId: string, message: string, { signal }: TurnOptions = {}): Promise<string> {
    return this.guarded(signal, async (watchdog) => {
      const response = await this.whileLocked(watchdog.signal, () =>
        this.client.responses.create(this.request(threadId, message), { signal: watchdog.signal }),
      );
      return answerOf(response);
    });
  }

  streamAnswer(threadId: string, message: string, { signal, onDelta }: StreamTurnOptions): Promise<string> {
    return this.guarded(signal, async (watchdog) => {
      const stream = await this.whileLocked(watchdog.signal, () =>
        this.client.responses.create({ ...this.request(threadId, message), stream: true }, { signal: watchdog.signal }),
      );
      try {
        for await (const event of stream) {
          watchdog.touch();
          switch (event.type) {
            case 'response.output_text.delta':
              onDelta(event.delta);
              break;
            case 'response.completed':
            case 'response.failed':
            case 'response.incomplete':
              return answerOf(event.response);
            case 'error':
              throw new AssistantError(AssistantErrorCode.UPSTREAM_FAILED, `The assistant failed while answering (${safeCode(event.code)})`);
          }
        }
      } catch (error) {
        throw translateOpenAiError(error, 'answer');
      }
      // The SDK ends the iteration quietly when the signal aborts.
      if (watchdog.signal.aborted) throw new AssistantError(AssistantErrorCode.ABORTED, 'The request was cancelled');
      throw new AssistantError(AssistantErrorCode.UPSTREAM_FAILED, 'The assistant stream ended before the answer was complete');
    });
  }

  async deleteThread(threadId: string): Promise<void> {
    try {
      await this.client.conversations.delete(threadId);
    } catch (error) {
      if (isNotFound(error)) return;
      throw translateOpenAiError(error, 'delete the conversation');
    }
  }

  private request(threadId: string, message: string): ResponseCreateParamsNonStreaming {
    const { model, instructions, temperature, maxOutputTokens } = this.settings;
    return {
      model,
      conversation: threadId,
      input: message,
      // Instructions are not stored in the conversation: they go with every turn.
      instructions,
      temperature,
      max_output_tokens: maxOutputTokens,
    };
  }

  /** Bounds a turn by OPENAI_TIMEOUT_MS without progress, retries included. */
  private guarded<T>(signal: AbortSignal | undefined, work: (watchdog: IdleWatchdog) => Promise<T>): Promise<T> {
    return IdleWatchdog.guard(this.connection.timeoutMs, signal, work);
  }

  /** Runs `call`, retrying with backoff while the conversation is locked by someone else. */
  private async whileLocked<T>(signal: AbortSignal | undefined, call: () => Promise<T>): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await call();
      } catch (error) {
        if (isMissingConversation(error)) {
          throw new AssistantError(AssistantErrorCode.THREAD_NOT_FOUND, 'The conversation no longer exists upstream', {
            cause: error,
          });
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
        await sleep(delay, undefined, { signal }).catch(() => {
          throw new AssistantError(AssistantErrorCode.ABORTED, 'The request was cancelled');
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

/** The answer of a finished response; any status but `completed` is a failure, not an answer. */
function answerOf(response: Response): string {
  if (response.status !== 'completed') {
    const reason = safeCode(response.error?.code ?? response.incomplete_details?.reason, response.status ?? 'unknown');
    throw new AssistantError(AssistantErrorCode.UPSTREAM_FAILED, `The assistant's response ended ${response.status ?? 'without a status'} (${reason})`);
  }
  const text = outputText(response);
  if (text.length === 0) throw new AssistantError(AssistantErrorCode.UPSTREAM_FAILED, 'The assistant returned an empty answer');
  return text;
}

/** The SDK adds `output_text` only to non-streamed responses, so join the parts here. */
function outputText(response: Response): string {
  const parts: string[] = [];
  for (const item of response.output ?? []) {
    if (item.type !== 'message') continue;
    for (const content of item.content) if (content.type === 'output_text') parts.push(content.text);
  }
  return parts.join('');
}
