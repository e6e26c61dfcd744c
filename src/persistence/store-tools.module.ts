import { type DynamicModule, Module } from '@nestjs/common';
import { AppConfigModule } from '../config/app-config.module';
import { conversationLogStoreProvider } from '../conversation-log/conversation-log.module';
import { StoresModule } from './stores.module';

/**
 * The stores, configured from the environment and `.env` as the service configures them, for the command-line tools.
 * The tools work on the store ports themselves, so nothing of the serving side (metrics, services) is built.
 */
@Module({})
export class StoreToolsModule {
  static forRoot(): DynamicModule {
    return {
      module: StoreToolsModule,
      imports: [AppConfigModule.forStores({ readEnvFile: true }), StoresModule],
      providers: [conversationLogStoreProvider],
    };
  }
}
