import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { Injectable, Logger } from '@nestjs/common';
import { AssistantService, type StreamTurnOptions, type TurnOptions } from '../assistant.port';
import { AssistantError, AssistantErrorCode } from '../errors/assistant.error';

/**
 * An offline assistant for running without a key: deterministic answers that show
 * the conversation is remembered (the turn number, this and the previous message).
 * Conversations live in memory, so a restart starts them over.
 */
@Injectable()
export class LocalAssistantAdapter extends AssistantService {
  readonly mode = 'local' as const;
  private readonly logger = new Logger(LocalAssistantAdapter.name);
  private readonly threads = new Map<string, string[]>();

  /** @param wordDelayMs pause between streamed words, so clients see a stream as they would from a model */
  constructor(private readonly wordDelayMs = 15) {
    super();
    this.logger.warn('ASSISTANT_API=local: answers come from the built-in offline assistant, not from a model');
  }

  async createThread(options: TurnOptions = {}): Promise<string> {
    throwIfAborted(options.signal);
    const threadId = `local_${randomUUID().replaceAll('-', '')}`;
    this.threads.set(threadId, []);
    return threadId;
  }

  async answer(threadId: string, message: string, options: TurnOptions = {}): Promise<string> {
    throwIfAborted(options.signal);
    return this.reply(threadId, message);
  }

  async streamAnswer(threadId: string, message: string, { signal, onDelta }: StreamTurnOptions): Promise<string> {
    throwIfAborted(signal);
    const history = this.threads.get(threadId) ?? [];
    const answer = compose(history, message);
    for (const word of answer.split(/(?<=\s)/)) {
      await sleep(this.wordDelayMs, undefined, { signal }).catch(() => throwIfAborted(signal));
      onDelta(word);
    }
    // Remembered only once the whole answer went out, like an upstream turn.
    this.threads.set(threadId, [...history, message]);
    return answer;
  }

  async deleteThread(threadId: string): Promise<void> {
    this.threads.delete(threadId);
  }

  private reply(threadId: string, message: string): string {
    const history = this.threads.get(threadId) ?? [];
    this.threads.set(threadId, [...history, message]);
    return compose(history, message);
  }
}

function compose(history: readonly string[], message: string): string {
  const turn = history.length + 1;
  const previous = history.at(-1);
  const recall = previous === undefined ? 'This is our first exchange.' : `Before that you said: "${previous}".`;
  return `[local assistant] Turn ${turn}. You said: "${message}". ${recall}`;
}

function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new AssistantError(AssistantErrorCode.ABORTED, 'The request was cancelled');
}
