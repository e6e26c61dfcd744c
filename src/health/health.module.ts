import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { AssistantModule } from '../assistant/assistant.module';
import { ConversationLogModule } from '../conversation-log/conversation-log.module';
import { ThreadsModule } from '../threads/threads.module';
import { HealthController } from './health.controller';
import { StoresHealth } from './stores.health';

@Module({
  imports: [TerminusModule.forRoot({ logger: false }), AssistantModule, ThreadsModule, ConversationLogModule],
  controllers: [HealthController],
  providers: [StoresHealth],
})
export class HealthModule {}
