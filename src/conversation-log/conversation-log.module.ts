import { Module } from '@nestjs/common';
import { StoreAdapters } from '../persistence/store-adapters';
import { StoresModule } from '../persistence/stores.module';
import { ConversationLogStore } from './conversation-log.port';
import { ConversationLogService } from './conversation-log.service';

@Module({
  imports: [StoresModule],
  providers: [{ provide: ConversationLogStore, inject: [StoreAdapters], useFactory: (stores: StoreAdapters) => stores.log }, ConversationLogService],
  exports: [ConversationLogService, ConversationLogStore],
})
export class ConversationLogModule {}
