import { Module } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { loggingConfig } from '../config/logging.config';
import { openAiConfig } from '../config/openai.config';
import { redisConfig } from '../config/redis.config';
import { RedisConnection } from '../redis/redis.connection';
import { RedisModule } from '../redis/redis.module';
import { AssistantsApiAdapter } from './adapters/assistants-api.adapter';
import { InProcessRunOwnership } from './adapters/in-process-run.ownership';
import { LocalAssistantAdapter } from './adapters/local-assistant.adapter';
import { createOpenAiClient } from './adapters/openai-client.factory';
import { RedisRunOwnership } from './adapters/redis-run.ownership';
import { ResponsesAssistantAdapter } from './adapters/responses-assistant.adapter';
import { AssistantService } from './assistant.port';
import { RunOwnership } from './run-ownership.port';

export function createAssistant(
  config: ConfigType<typeof openAiConfig>,
  logging: ConfigType<typeof loggingConfig>,
  runs: RunOwnership,
): AssistantService {
  switch (config.mode) {
    case 'local':
      return new LocalAssistantAdapter();
    case 'responses':
      return new ResponsesAssistantAdapter(createOpenAiClient(config.connection, logging.level), config.responses);
    case 'assistants':
      return new AssistantsApiAdapter(createOpenAiClient(config.connection, logging.level), config.assistantId, runs);
    default: {
      const unknown: never = config;
      throw new Error(`Unknown assistant mode ${JSON.stringify(unknown)}`);
    }
  }
}

/** Who drives each Assistants API run: this process alone, or every replica through Redis (the claim lives as long as a turn lease). */
export function createRunOwnership(config: ConfigType<typeof redisConfig>, redis: RedisConnection): RunOwnership {
  switch (config.mode) {
    case 'none':
      return new InProcessRunOwnership();
    case 'redis':
      return new RedisRunOwnership(redis, config.turnLockTtlMs);
    default: {
      const unknown: never = config;
      throw new Error(`Unknown run ownership mode ${JSON.stringify(unknown)}`);
    }
  }
}

@Module({
  imports: [RedisModule],
  providers: [
    { provide: RunOwnership, inject: [redisConfig.KEY, RedisConnection], useFactory: createRunOwnership },
    { provide: AssistantService, inject: [openAiConfig.KEY, loggingConfig.KEY, RunOwnership], useFactory: createAssistant },
  ],
  exports: [AssistantService],
})
export class AssistantModule {}
