import { Injectable } from '@nestjs/common';
import { ConversationLogStore, type Exchange } from './conversation-log.port';

/** Records every answered exchange, before the answer is sent, and reads a user's history. */
@Injectable()
export class ConversationLogService {
  constructor(private readonly store: ConversationLogStore) {}

  /** Resolves once the exchange is durable. */
  record(userId: string, message: string, answer: string): Promise<void> {
    return this.store.append(userId, { user: message, bot: answer, timestamp: Date.now() / 1000 });
  }

  history(userId: string): Promise<readonly Exchange[]> {
    return this.store.history(userId);
  }
}
