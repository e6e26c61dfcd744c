import { type DynamicModule, Module } from '@nestjs/common';
import { AppConfigModule } from '../config/app-config.module';
import { ConversationLogModule } from '../conversation-log/conversation-log.module';

/** The stores, configured from the environment and `.env` as the service configures them, for the command-line tools. */
@Module({})
export class StoreToolsModule {
  static forRoot(): DynamicModule {
    return { module: StoreToolsModule, imports: [AppConfigModule.forStores({ readEnvFile: true }), ConversationLogModule] };
  }
}
