import { Module } from '@nestjs/common';
import { AssistantModule } from '../assistant/assistant.module';
import { ConversationLogModule } from '../conversation-log/conversation-log.module';
import { ThreadsModule } from '../threads/threads.module';
import { ChatController } from './chat.controller';
import { ChatService } from './chat.service';
import { MessageLengthConstraint } from './dto/message-length.constraint';
import { TurnQueue } from './turn-queue';

@Module({
  imports: [AssistantModule, ThreadsModule, ConversationLogModule],
  controllers: [ChatController],
  providers: [ChatService, TurnQueue, MessageLengthConstraint],
})
export class ChatModule {}
