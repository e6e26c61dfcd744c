import { Injectable } from '@nestjs/common';
import type { UserKey } from '../auth/user-key';
import { MetricsService } from '../metrics/metrics.service';
import { ConversationLogStore, type Exchange, type HistoryPage, type HistoryQuery } from './conversation-log.port';

/** Records every answered exchange, before the answer is sent, and reads a user's history page by page. */
@Injectable()
export class ConversationLogService {
  constructor(
    private readonly store: ConversationLogStore,
    private readonly metrics: MetricsService,
  ) {}

  /** Resolves once the exchange is durable. */
  record(user: UserKey, exchange: Exchange): Promise<void> {
    return this.metrics.storeWriting('conversation_log', () => this.store.append(user, exchange));
  }

  /** Records the exchange unless the user has it already (same texts and timestamp): a write that may be repeated after a crash. */
  async recordOnce(user: UserKey, exchange: Exchange): Promise<void> {
    await this.metrics.storeWriting('conversation_log', () => this.store.importExchanges(user, [exchange]));
  }

  page(user: UserKey, query: HistoryQuery): Promise<HistoryPage> {
    return this.store.page(user, query);
  }

  erase(user: UserKey): Promise<void> {
    return this.metrics.storeWriting('conversation_log', () => this.store.erase(user));
  }
}
