import { Module, type Provider } from '@nestjs/common';
import { StoreAdapters } from '../persistence/store-adapters';
import { StoresModule } from '../persistence/stores.module';
import { ConversationLogStore } from './conversation-log.port';
import { ConversationLogService } from './conversation-log.service';

/** The log store that DATABASE_URL chose. */
export const conversationLogStoreProvider: Provider = {
  provide: ConversationLogStore,
  inject: [StoreAdapters],
  useFactory: (stores: StoreAdapters) => stores.log,
};

@Module({
  imports: [StoresModule],
  providers: [conversationLogStoreProvider, ConversationLogService],
  exports: [ConversationLogService, ConversationLogStore],
})
export class ConversationLogModule {}
