import { Module } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { loggingConfig } from '../config/logging.config';
import { openAiConfig } from '../config/openai.config';
import { AssistantsApiAdapter } from './adapters/assistants-api.adapter';
import { LocalAssistantAdapter } from './adapters/local-assistant.adapter';
import { createOpenAiClient } from './adapters/openai-client.factory';
import { ResponsesAssistantAdapter } from './adapters/responses-assistant.adapter';
import { AssistantService } from './assistant.port';

export function createAssistant(config: ConfigType<typeof openAiConfig>, logging: ConfigType<typeof loggingConfig>): AssistantService {
  switch (config.mode) {
    case 'local':
      return new LocalAssistantAdapter();
    case 'responses':
      return new ResponsesAssistantAdapter(createOpenAiClient(config.connection, logging.level), config.responses);
    case 'assistants':
      return new AssistantsApiAdapter(createOpenAiClient(config.connection, logging.level), config.assistantId);
    default: {
      const unknown: never = config;
      throw new Error(`Unknown assistant mode ${JSON.stringify(unknown)}`);
    }
  }
}

@Module({
  providers: [{ provide: AssistantService, inject: [openAiConfig.KEY, loggingConfig.KEY], useFactory: createAssistant }],
  exports: [AssistantService],
})
export class AssistantModule {}
