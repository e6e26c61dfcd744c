import { Module } from '@nestjs/common';
import { AssistantModule } from '../assistant/assistant.module';
import { ConversationLogModule } from '../conversation-log/conversation-log.module';
import { ThreadsModule } from '../threads/threads.module';
import { TurnsModule } from '../turns/turns.module';
import { ChatController } from './chat.controller';
import { ChatService } from './chat.service';
import { ChatRequestPipe } from './chat-request.pipe';

@Module({
  imports: [AssistantModule, ThreadsModule, ConversationLogModule, TurnsModule],
  controllers: [ChatController],
  providers: [ChatService, ChatRequestPipe],
  exports: [ChatService, ChatRequestPipe],
})
export class ChatModule {}
