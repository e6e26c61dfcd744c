import { Module } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { AssistantModule } from '../assistant/assistant.module';
import { storesConfig } from '../config/stores.config';
import { JsonFileThreadStore } from './adapters/json-file-thread.store';
import { ThreadRegistry } from './thread-registry';
import { ThreadStore } from './thread-store.port';

@Module({
  imports: [AssistantModule],
  providers: [
    {
      provide: ThreadStore,
      inject: [storesConfig.KEY],
      useFactory: (stores: ConfigType<typeof storesConfig>) => new JsonFileThreadStore(stores.threadStorePath),
    },
    ThreadRegistry,
  ],
  exports: [ThreadRegistry, ThreadStore],
})
export class ThreadsModule {}
