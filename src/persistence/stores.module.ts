import { Module } from '@nestjs/common';
import { storesConfig } from '../config/stores.config';
import { createStoreAdapters, StoreAdapters } from './store-adapters';

/** The store adapters chosen by DATABASE_URL; imported by the modules that provide the store ports. */
@Module({
  providers: [{ provide: StoreAdapters, inject: [storesConfig.KEY], useFactory: createStoreAdapters }],
  exports: [StoreAdapters],
})
export class StoresModule {}
