import type OpenAI from 'openai';
import type { ConversationItem } from 'openai/resources/conversations/items';
import type { TurnReceipt } from '../assistant.port';
import { isNotFound, translateOpenAiError } from './openai-error.translator';
import type { UpstreamAttempts } from './upstream-attempts';

/** Enough to reach past a turn's own items (its question, reasoning, answer, tool calls) to the turn before. */
const NEWEST_ITEMS = 20;

/**
 * Takes a turn back out of a conversation. A user's turns never overlap, so
 * the turn's items are the newest ones: those whose ids the response reported,
 * and the question just before them. The question's id is not reported, so it
 * is recognised by being the newest user message with the turn's exact text;
 * anything else ends the walk, so a turn that never joined removes nothing.
 */
export class ConversationTurnRemover {
  constructor(
    private readonly client: OpenAI,
    private readonly attempts: UpstreamAttempts,
  ) {}

  remove({ threadId, addedIds, message }: TurnReceipt): Promise<void> {
    const known = new Set(addedIds);
    return this.attempts.guard(undefined, async (watchdog) => {
      try {
        const page = await this.client.conversations.items.list(threadId, { order: 'desc', limit: NEWEST_ITEMS }, { signal: watchdog.signal });
        for (const item of page.data) {
          const question = isQuestion(item, message);
          if (item.id === undefined || !(question || known.has(item.id))) return;
          await this.client.conversations.items.delete(item.id, { conversation_id: threadId }, { signal: watchdog.signal });
          if (question) return;
        }
      } catch (error) {
        if (!isNotFound(error)) throw translateOpenAiError(error, 'take a turn back');
      }
    });
  }
}

function isQuestion(item: ConversationItem, message: string): boolean {
  if (item.type !== 'message' || item.role !== 'user') return false;
  const text = item.content.map((part) => (part.type === 'input_text' ? part.text : '')).join('');
  return text === message;
}
