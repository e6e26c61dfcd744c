import { Module } from '@nestjs/common';
import { AssistantModule } from '../assistant/assistant.module';
import { ConversationLogModule } from '../conversation-log/conversation-log.module';
import { JobsModule } from '../jobs/jobs.module';
import { RedisModule } from '../redis/redis.module';
import { ThreadsModule } from '../threads/threads.module';
import { HealthController } from './health.controller';
import { HealthService } from './health.service';

@Module({
  imports: [AssistantModule, ThreadsModule, ConversationLogModule, JobsModule, RedisModule],
  controllers: [HealthController],
  providers: [HealthService],
})
export class HealthModule {}
