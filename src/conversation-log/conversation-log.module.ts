import { Module } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { storesConfig } from '../config/stores.config';
import { JsonFileConversationLogStore } from './adapters/json-file-conversation-log.store';
import { ConversationLogStore } from './conversation-log.port';
import { ConversationLogService } from './conversation-log.service';

@Module({
  providers: [
    {
      provide: ConversationLogStore,
      inject: [storesConfig.KEY],
      useFactory: (stores: ConfigType<typeof storesConfig>) => new JsonFileConversationLogStore(stores.conversationLogPath),
    },
    ConversationLogService,
  ],
  exports: [ConversationLogService, ConversationLogStore],
})
export class ConversationLogModule {}
