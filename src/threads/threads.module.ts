import { Module } from '@nestjs/common';
import { AssistantModule } from '../assistant/assistant.module';
import { StoreAdapters } from '../persistence/store-adapters';
import { StoresModule } from '../persistence/stores.module';
import { ThreadRegistry } from './thread-registry';
import { ThreadStore } from './thread-store.port';

@Module({
  imports: [AssistantModule, StoresModule],
  providers: [{ provide: ThreadStore, inject: [StoreAdapters], useFactory: (stores: StoreAdapters) => stores.threads }, ThreadRegistry],
  exports: [ThreadRegistry, ThreadStore],
})
export class ThreadsModule {}
