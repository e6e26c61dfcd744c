import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { Logger } from '@nestjs/common';
import { AssistantService, type TurnAnswer, type TurnReceipt, type TurnRequest } from '../assistant.port';
import { abortedError, withReceipt } from '../errors/assistant.error';

/**
 * An offline assistant for running without a key: deterministic answers that show
 * the conversation is remembered (the turn number, this and the previous message).
 * Conversations live in memory, so a restart starts them over. It reports no
 * model and no token usage: there is no model, and it spends none.
 */
export class LocalAssistantAdapter extends AssistantService {
  readonly mode = 'local' as const;
  private readonly logger = new Logger(LocalAssistantAdapter.name);
  private readonly threads = new Map<string, string[]>();

  /** @param wordDelayMs pause between streamed words, so clients see a stream as they would from a model */
  constructor(private readonly wordDelayMs = 15) {
    super();
    this.logger.warn('ASSISTANT_API=local: answers come from the built-in offline assistant, not from a model');
  }

  async createThread(signal?: AbortSignal): Promise<string> {
    if (signal?.aborted) throw abortedError();
    const threadId = `local_${randomUUID().replaceAll('-', '')}`;
    this.threads.set(threadId, []);
    return threadId;
  }

  async answer({ threadId, message, signal, onDelta }: TurnRequest): Promise<TurnAnswer> {
    const receipt: TurnReceipt = { threadId, message, addedIds: [] };
    if (signal?.aborted) throw withReceipt(abortedError(), receipt);
    const history = this.threads.get(threadId) ?? [];
    const text = compose(history, message);
    if (onDelta !== undefined) {
      for (const word of text.split(/(?<=\s)/)) {
        const cancelled = await sleep(this.wordDelayMs, undefined, { signal }).then(() => false, () => true);
        if (cancelled) throw withReceipt(abortedError(), receipt);
        onDelta(word);
      }
    }
    // Remembered only once the whole answer went out, like an upstream turn.
    this.threads.set(threadId, [...history, message]);
    return { text, model: undefined, usage: undefined, receipt };
  }

  async discardTurn({ threadId, message }: TurnReceipt): Promise<void> {
    const history = this.threads.get(threadId);
    if (history?.at(-1) === message) this.threads.set(threadId, history.slice(0, -1));
  }

  async deleteThread(threadId: string): Promise<void> {
    this.threads.delete(threadId);
  }
}

function compose(history: readonly string[], message: string): string {
  const turn = history.length + 1;
  const previous = history.at(-1);
  const recall = previous === undefined ? 'This is our first exchange.' : `Before that you said: "${previous}".`;
  return `[local assistant] Turn ${turn}. You said: "${message}". ${recall}`;
}
