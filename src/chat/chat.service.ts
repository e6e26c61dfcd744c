import { Inject, Injectable, Logger } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { loggingConfig } from '../config/logging.config';
import { AssistantService } from '../assistant/assistant.port';
import { AssistantError, AssistantErrorCode, isAssistantError } from '../assistant/errors/assistant.error';
import { ConversationLogService } from '../conversation-log/conversation-log.service';
import { ThreadRegistry, type UserThread } from '../threads/thread-registry';
import { TurnQueue } from './turn-queue';

export interface ChatReply {
  answer: string;
  userId: string;
  threadId: string;
}

type Ask = (threadId: string) => Promise<string>;

/**
 * One chat turn: find or start the user's conversation, get the answer, log the
 * exchange, all while holding the user's place in the TurnQueue.
 */
@Injectable()
export class ChatService {
  private readonly logger = new Logger(ChatService.name);
  /** Message texts are logged at debug only; not even formatted otherwise. */
  private readonly debug: boolean;

  constructor(
    private readonly assistant: AssistantService,
    private readonly threads: ThreadRegistry,
    private readonly log: ConversationLogService,
    private readonly queue: TurnQueue,
    @Inject(loggingConfig.KEY) logging: ConfigType<typeof loggingConfig>,
  ) {
    this.debug = logging.level === 'debug';
  }

  chat(userId: string, message: string, signal?: AbortSignal): Promise<ChatReply> {
    return this.turn(userId, message, signal, (threadId) => this.assistant.answer(threadId, message, { signal }));
  }

  streamChat(userId: string, message: string, onDelta: (text: string) => void, signal?: AbortSignal): Promise<ChatReply> {
    return this.turn(userId, message, signal, (threadId) =>
      this.assistant.streamAnswer(threadId, message, { signal, onDelta }),
    );
  }

  /** Ends the user's conversation; the next message starts a new one. The log is kept. */
  async resetThread(userId: string): Promise<void> {
    const record = await this.queue.run(userId, undefined, () => this.threads.forget(userId));
    if (record === undefined || record.mode !== this.assistant.mode) return;
    // Best effort: the mapping is gone either way, so a leftover upstream conversation is only clutter.
    await this.assistant.deleteThread(record.threadId).catch((error: unknown) => {
      this.logger.warn(`could not delete conversation ${record.threadId} upstream: ${describe(error)}`);
    });
  }

  private turn(userId: string, message: string, signal: AbortSignal | undefined, ask: Ask): Promise<ChatReply> {
    return this.queue.run(userId, signal, async () => {
      if (this.debug) this.logger.debug(`message from ${userId}: ${JSON.stringify(message)}`);
      const { threadId, answer } = await this.askOnThread(userId, signal, ask);
      if (this.debug) this.logger.debug(`answer to ${userId}: ${JSON.stringify(answer)}`);
      if (signal?.aborted) throw new AssistantError(AssistantErrorCode.ABORTED, 'The request was cancelled');
      await this.log.record(userId, message, answer);
      return { answer, userId, threadId };
    });
  }

  /**
   * Asks on the user's conversation; one the upstream no longer knows is replaced
   * once, transparently. Resolves only once the user's mapping is on disk.
   */
  private async askOnThread(userId: string, signal: AbortSignal | undefined, ask: Ask) {
    const thread = await this.threads.threadFor(userId, { signal });
    try {
      return await this.askAndSave(thread, ask);
    } catch (error) {
      if (!isAssistantError(error, AssistantErrorCode.THREAD_NOT_FOUND)) throw error;
      this.logger.warn(`conversation ${thread.threadId} of ${userId} is gone upstream; starting a new one`);
      return this.askAndSave(await this.threads.startThread(userId, { signal }), ask);
    }
  }

  private async askAndSave({ threadId, saved }: UserThread, ask: Ask) {
    const answer = await ask(threadId);
    await saved;
    return { threadId, answer };
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
